"""Stored list versions, customers, hits and dispositions across the real 2019->2021 SDN change."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from unittest import mock

import pytest
from monitoring_support import customers_meeting_a_change
from sqlalchemy import select

from exportguard.batch.runner import Customer, LocalRunner
from exportguard.lists import ofac_sdn
from exportguard.lists.model import ListSnapshot
from exportguard.lists.versions import VersionRefused, diff
from exportguard.matching import screener as screeners_of_lists
from exportguard.matching.normalize import normalize, normalizer_fingerprint
from exportguard.store import audit, customer_store
from exportguard.store.base import Base, make_engine, session_factory, transaction
from exportguard.store.customer_store import dispose, import_customers, rescreen_customers
from exportguard.store.list_store import current_version, record_version, versions
from exportguard.store.migrate import import_table_modules
from exportguard.store.monitoring import CustomerRecord, ListVersionRecord, ScreeningHitRecord
from exportguard.store.screeners import ListsInForce

RUNNER = LocalRunner(processes=1)
#: The 2019 SDN is far smaller than the bundled 2026 SDN, so a first load of it needs an admin override.
HISTORIC = "historical 2019 SDN fixture: older than the bundled SDN"


@pytest.fixture(scope="module")
def snapshots(fixtures: Path) -> tuple[ListSnapshot, ListSnapshot]:
    return ofac_sdn.load(fixtures / "ofac_sdn_2019-01"), ofac_sdn.load(fixtures / "ofac_sdn_2021-07")


@pytest.fixture
def factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    import_table_modules()
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    Base.metadata.create_all(engine)
    return session_factory(engine)


def _customers(old: ListSnapshot, new: ListSnapshot) -> list[Customer]:
    return customers_meeting_a_change(old, new, 5)


def _hits(factory) -> dict[tuple[str, str], ScreeningHitRecord]:  # type: ignore[no-untyped-def]
    with factory() as session:
        return {(str(h.customer_id), h.entry_key): h for h in session.scalars(select(ScreeningHitRecord))}


@pytest.mark.slow
def test_versions_rescreen_and_dispositions(factory, snapshots) -> None:  # type: ignore[no-untyped-def]
    old, new = snapshots
    with transaction(factory) as session:
        record_version(session, old, "tester", force_reason=HISTORIC)
        import_customers(session, _customers(old, new), "tester")
        first = rescreen_customers(session, "tester", RUNNER)
    assert first.mode == "full" and first.new
    hits = _hits(factory)
    unchanged_hit = next(h for h in hits.values() if h.entry_key in new.by_key()
                         and h.entry_key not in {p.key for p in diff(old, new).changed} and h.status == "new")
    modified_hit = next(h for h in hits.values() if h.entry_key in {c.new.key for c in diff(old, new).modified})
    with transaction(factory) as session:
        dispose(session, unchanged_hit.id, "false_positive", "different company", "reviewer1")
        dispose(session, modified_hit.id, "false_positive", "different company", "reviewer1")
        outcome = record_version(session, new, "tester")
        assert outcome.changes is not None and outcome.changes.summary()["removed"] == 261
        second = rescreen_customers(session, "tester", RUNNER)
    assert second.mode == "delta" and second.retired
    after = _hits(factory)
    assert after[(str(unchanged_hit.customer_id), unchanged_hit.entry_key)].status == "cleared"
    modified_after = after.get((str(modified_hit.customer_id), modified_hit.entry_key))
    assert modified_after is None or modified_after.status in ("new", "watch", "retired")
    removed = {p.key for p in diff(old, new).removed}
    assert all(h.status == "retired" for h in after.values() if h.entry_key in removed)
    with factory() as session:
        assert audit.verify_chain(session).ok
        assert [v.id for v in versions(session)] == [new.version.id, old.version.id]


def test_truncated_download_is_refused_and_current_version_stays(factory, snapshots) -> None:  # type: ignore[no-untyped-def]
    old, _ = snapshots
    truncated = ListSnapshot(replace(old.version, content_hash="f" * 64), old.parties[: len(old.parties) // 2])
    with transaction(factory) as session:
        record_version(session, old, "tester", force_reason=HISTORIC)
    with pytest.raises(VersionRefused, match=r"list_shrank \[SDN\]: 3,689 entries where there were 7,379 "
                       r"\(50\.0% fewer; at most 10% allowed\)"), transaction(factory) as session:
        record_version(session, truncated, "tester")
    with factory() as session:
        current = current_version(session, "sdn")
        assert current is not None and current.id == old.version.id
        assert len(versions(session)) == 1


def test_loading_the_same_file_twice_makes_no_new_version(factory, snapshots) -> None:  # type: ignore[no-untyped-def]
    old, _ = snapshots
    with transaction(factory) as session:
        record_version(session, old, "tester", force_reason=HISTORIC)
        assert record_version(session, old, "tester").already_loaded
        assert len(versions(session)) == 1


def test_customers_keep_their_normalised_name_until_the_normaliser_changes(factory, snapshots) -> None:  # type: ignore[no-untyped-def]
    old, _ = snapshots
    customers = [Customer("K-1", "Banco Nacional de Cuba"), Customer("K-2", "华为技术有限公司")]
    with transaction(factory) as session:
        record_version(session, old, "tester", force_reason=HISTORIC)
        import_customers(session, customers, "tester")
        rescreen_customers(session, "tester", RUNNER)
    with factory() as session:
        stored = {c.external_ref: c.normalized_name for c in session.scalars(select(CustomerRecord))}
    assert stored["K-1"]["fingerprint"] == normalizer_fingerprint()
    assert tuple(stored["K-2"]["tokens"]) == normalize("华为技术有限公司").tokens
    before = {pair: hit.score for pair, hit in _hits(factory).items()}
    with transaction(factory) as session:
        for record in session.scalars(select(CustomerRecord)):
            record.normalized_name = {**record.normalized_name, "fingerprint": "an older normaliser",
                                      "tokens": ["stale"]}
        rescreen_customers(session, "tester", RUNNER, full=True)
    assert {pair: hit.score for pair, hit in _hits(factory).items()} == before
    with factory() as session:
        refreshed = [c.normalized_name for c in session.scalars(select(CustomerRecord))]
    assert all(form["fingerprint"] == normalizer_fingerprint() and form["tokens"] != ["stale"] for form in refreshed)


def test_a_new_matching_engine_rescreens_everyone_once(factory, snapshots) -> None:  # type: ignore[no-untyped-def]
    """Results scored by another engine are not comparable, so the delta would carry its mistakes forward."""
    old, _new = snapshots
    with transaction(factory) as session:
        record_version(session, old, "tester", force_reason=HISTORIC)
        import_customers(session, [Customer("K-1", old.parties[0].name)], "tester")
        assert rescreen_customers(session, "tester", RUNNER).reason == "first re-screen"
        assert rescreen_customers(session, "tester", RUNNER).mode == "delta"
        for version in session.scalars(select(ListVersionRecord)):
            version.screened_with = "an older engine"
        upgraded = rescreen_customers(session, "tester", RUNNER)
        assert (upgraded.mode, upgraded.reason) == ("full", "the matching engine changed since the last re-screen")
        assert rescreen_customers(session, "tester", RUNNER).mode == "delta"


def _delta_rescreened(path: Path, old: ListSnapshot, new: ListSnapshot,
                      given: str) -> tuple[dict[tuple[str, str, float, str], int], list[str]]:
    """A store at ``path`` screened in full on ``old``, then delta re-screened after ``new`` is loaded, with the
    screener ``given`` ("in force": the server's, over the lists in force; "stale": over some of ``old``): its
    hits, and the list versions of the screeners the re-screen built itself."""
    import_table_modules()
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    factory = session_factory(engine)
    with transaction(factory) as session:
        record_version(session, old, "tester", force_reason=HISTORIC)
        import_customers(session, _customers(old, new), "tester")
        rescreen_customers(session, "tester", RUNNER)
    with transaction(factory) as session:
        record_version(session, new, "tester")
    stale = screeners_of_lists.Screener(ListSnapshot(old.version, old.parties[:50]))
    screener = ListsInForce(factory).screener() if given == "in force" else stale
    built: list[str] = []

    def building(snapshot: ListSnapshot) -> screeners_of_lists.Screener:
        built.append(snapshot.version.id)
        return screeners_of_lists.with_native_names(snapshot)

    with mock.patch("exportguard.store.customer_store.with_native_names", building), transaction(factory) as session:
        assert rescreen_customers(session, "tester", RUNNER, screener=screener).mode == "delta"
    with factory() as session:
        hits = {(str(h.customer_id), h.entry_key, h.score, h.status): 1 for h in session.scalars(select(ScreeningHitRecord))}
    engine.dispose()
    return hits, built


def test_a_delta_rescreen_screens_with_the_servers_screener_over_the_versions_in_force(tmp_path, snapshots) -> None:  # type: ignore[no-untyped-def]
    """The server's screener over the lists in force, brought up to the version just loaded, is the one its
    re-screen uses (the new versions indexed once, not twice); one over other versions is not used; either
    way the hits are those of the re-screen building its own."""
    old, new = snapshots
    own, built_own = _delta_rescreened(tmp_path / "own.db", old, new, "stale")
    reused, built_reused = _delta_rescreened(tmp_path / "reused.db", old, new, "in force")
    assert any(status == "new" for *_, status in own) and reused == own
    assert built_reused == [] and len(built_own) == 1 and built_own[0] != old.version.id


def test_delta_rescreens_sum_how_far_they_moved_scores_and_the_next_one_is_full_past_the_budget(
        factory, snapshots, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A delta re-screen leaves a customer unscored on an unchanged entry it had no result on, counting on the
    near-miss margin; each list change's re-weighting eats into it. Each delta run records its largest move of a
    recorded score on an unchanged entry, and once the moves since the last full run add up to the budget, the
    next re-screen is full (and the sum starts again)."""
    old, new = snapshots
    with transaction(factory) as session:
        record_version(session, old, "tester", force_reason=HISTORIC)
        import_customers(session, _customers(old, new), "tester")
        rescreen_customers(session, "tester", RUNNER)
    before = {pair: hit.score for pair, hit in _hits(factory).items() if hit.status != "retired"}
    gone = {party.key for party in (*diff(old, new).changed, *diff(old, new).removed)}
    with transaction(factory) as session:
        record_version(session, new, "tester")
        delta = rescreen_customers(session, "tester", RUNNER)
    after = _hits(factory)
    moves = [abs(after[pair].score - score) for pair, score in before.items() if pair[1] not in gone and pair in after]
    drift = delta.counts()["drift"]
    assert delta.mode == "delta" and drift == round(max(moves), 4) > 0
    monkeypatch.setattr(customer_store, "DRIFT_BUDGET", drift + 1e-4)
    with transaction(factory) as session:
        assert rescreen_customers(session, "tester", RUNNER).mode == "delta"  # nothing moved: the sum stays
    monkeypatch.setattr(customer_store, "DRIFT_BUDGET", drift)
    with transaction(factory) as session:
        forced = rescreen_customers(session, "tester", RUNNER)
        assert forced.mode == "full" and f"moved scores by up to {drift:.4f} in all" in forced.reason
        assert rescreen_customers(session, "tester", RUNNER).mode == "delta"
