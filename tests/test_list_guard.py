"""The guard against bad list files, case by case from issue 12 (each case was once accepted).

Every case loads into a fresh database and checks that the refused version is not in force, and that
the refusal names the check that failed with its figures.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from exportguard.lists import nsfreg_json
from exportguard.lists.bundled import baseline_for, bundled_csl, data_path
from exportguard.lists.csvsource import read_bytes
from exportguard.lists.model import ListSnapshot, Party
from exportguard.lists.versions import Reference, VersionRefused, guard_failures
from exportguard.store import audit
from exportguard.store.base import Base, make_engine, session_factory, transaction
from exportguard.store.list_store import current_version, record_version
from exportguard.store.migrate import import_table_modules


@pytest.fixture
def factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    import_table_modules()
    engine = make_engine(f"sqlite:///{tmp_path / 'guard.db'}")
    Base.metadata.create_all(engine)
    return session_factory(engine)


def _edition(snapshot: ListSnapshot, parties: tuple[Party, ...], label: str) -> ListSnapshot:
    """Another file of the same source: its own content hash, as a different download would have."""
    digest = hashlib.sha256(f"{snapshot.version.content_hash}:{label}".encode()).hexdigest()
    return ListSnapshot(replace(snapshot.version, content_hash=digest, party_count=len(parties)), parties)


def _refused(factory, snapshot: ListSnapshot) -> VersionRefused:  # type: ignore[no-untyped-def]
    with pytest.raises(VersionRefused) as caught, transaction(factory) as session:
        record_version(session, snapshot, "tester")
    with factory() as session:
        current = current_version(session, snapshot.version.source)
        assert current is None or current.id != snapshot.version.id
    return caught.value


def _dpl() -> ListSnapshot:
    dpl = baseline_for("dpl")
    assert dpl is not None
    return dpl


@pytest.mark.parametrize("share", [0.5, 0.1])
def test_a_cut_file_is_refused_on_the_first_load(factory, share: float) -> None:  # type: ignore[no-untyped-def]
    dpl = _dpl()
    cut = _edition(dpl, dpl.parties[: int(len(dpl.parties) * share)], f"cut {share}")
    refused = _refused(factory, cut)
    assert refused.failures[0].check == "list_shrank"
    assert f"{len(cut.parties)} entries where there were 564" in str(refused)
    assert "bundled baseline (dpl@" in str(refused)
    with factory() as session:
        assert current_version(session, "dpl") is None  # nothing was put in force


def test_small_cuts_in_a_row_are_measured_against_the_largest_recent_version(factory) -> None:  # type: ignore[no-untyped-def]
    dpl = _dpl()
    with transaction(factory) as session:
        record_version(session, dpl, "tester")
    nine_percent = int(len(dpl.parties) * 0.91)
    first_cut = _edition(dpl, dpl.parties[:nine_percent], "cut 1")
    with transaction(factory) as session:
        assert record_version(session, first_cut, "tester").changes is not None  # 9% fewer: accepted
    second_cut = _edition(dpl, dpl.parties[: int(nine_percent * 0.91)], "cut 2")  # 9% of the cut, 17% of the largest
    refused = _refused(factory, second_cut)
    assert "list_shrank [DPL]: 466 entries where there were 564 (17.4% fewer" in str(refused)
    with factory() as session:
        current = current_version(session, "dpl")
        assert current is not None and current.id == first_cut.version.id


# The two cases on the whole 2022 CSL run the checks directly: storing 14,000 entries twice would cost
# ten seconds each, and the store's part (refusal leaves the version in force) is tested on the DPL above.
def test_a_combined_file_missing_whole_lists_is_refused_per_list() -> None:
    csl = bundled_csl()
    kept = tuple(p for p in csl.parties if p.list_code not in {"DPL", "UVL", "MEU"})
    assert 0.05 < 1 - len(kept) / len(csl.parties) < 0.06  # 5.2% of the file: under a whole-file limit of 10%
    failures = guard_failures(_edition(csl, kept, "no DPL, UVL, MEU"), Reference.of(csl, [], "2022 CSL"))
    vanished = {f.list_code: f.message for f in failures if f.check == "list_vanished"}
    assert vanished == {"DPL": "the DPL list (462 entries) is missing", "MEU": "the MEU list (71 entries) is missing",
                        "UVL": "the UVL list (201 entries) is missing"}


def test_a_list_with_its_names_garbled_is_refused_although_its_count_holds() -> None:
    csl = bundled_csl()
    garbled = tuple(replace(p, name=p.name[::-1]) if p.list_code == "EL" else p for p in csl.parties)
    failures = guard_failures(_edition(csl, garbled, "EL names reversed"), Reference.of(csl, [], "2022 CSL"))
    assert [(f.check, f.list_code) for f in failures] == [("names_replaced", "EL")]
    assert "100.0% of the 1," in failures[0].message and "names are gone (at most 50% allowed)" in failures[0].message


def test_a_real_next_edition_passes(factory) -> None:  # type: ignore[no-untyped-def]
    """The DTC list without its eight administrative debarments: a real, small change passes every check."""
    statutory = nsfreg_json.load(data_path("state_debarred_statutory_2025-08.json.gz"))
    dtc = baseline_for("dtc")
    assert dtc is not None
    with transaction(factory) as session:
        record_version(session, dtc, "tester")
        outcome = record_version(session, statutory, "tester")  # the admin debarments (8) dropped: within 10%
    assert outcome.changes is not None and outcome.changes.summary()["removed"] == 8 and not outcome.overridden


def test_an_override_is_recorded_in_the_audit_trail_with_the_failed_checks(factory) -> None:  # type: ignore[no-untyped-def]
    dpl = _dpl()
    cut = _edition(dpl, dpl.parties[:100], "cut to 100")
    with transaction(factory) as session:
        outcome = record_version(session, cut, "admin", force_reason="BIS re-issued the DPL; checked by hand")
    assert [f.check for f in outcome.overridden] == ["list_shrank", "names_replaced"]
    with factory() as session:
        current = current_version(session, "dpl")
        assert current is not None and current.id == cut.version.id
        assert current.forced_reason == "BIS re-issued the DPL; checked by hand"
        forced = session.scalars(select(audit.AuditRecord).where(audit.AuditRecord.action == "list.version_forced")).one()
        assert forced.actor == "admin" and forced.details["reason"] == "BIS re-issued the DPL; checked by hand"
        assert forced.details["failed_checks"][0]["message"].startswith("100 entries where there were 564")
        assert audit.verify_chain(session).ok


def test_the_cli_refuses_audits_and_forces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    from exportguard.cli.app import load_commands

    monkeypatch.setenv("EXPORTGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    document = json.loads(read_bytes(data_path("bis_dpl_2026-04.json.gz")))
    document["entities"] = document["entities"][:282]
    cut = tmp_path / "bis_dpl.json"
    cut.write_text(json.dumps(document), encoding="utf-8")
    app, runner = load_commands(), CliRunner()
    refused = runner.invoke(app, ["lists", "update", str(cut), "--format", "nsfreg"])
    assert refused.exit_code == 1
    assert "list_shrank DPL: 282 entries where there were 564 (50.0% fewer; at most 10% allowed)" in refused.output
    assert runner.invoke(app, ["lists", "update", str(cut), "--format", "nsfreg", "--force"]).exit_code == 2
    forced = runner.invoke(app, ["lists", "update", str(cut), "--format", "nsfreg", "--force", "--reason",
                                 "half the DPL, on purpose", "--output", "json"])
    assert forced.exit_code == 0, forced.output
    assert [f["check"] for f in json.loads(forced.stdout)["overridden"]] == ["list_shrank", "names_replaced"]
    with session_factory(make_engine(f"sqlite:///{tmp_path / 'cli.db'}"))() as session:
        actions = list(session.scalars(select(audit.AuditRecord.action).order_by(audit.AuditRecord.id)))
    assert actions == ["list.version_refused", "list.version_forced", "list.version_loaded"]


def test_a_partial_ofac_set_is_refused_at_the_cli_unless_allowed(tmp_path: Path, fixtures: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from exportguard.cli.app import load_commands

    monkeypatch.setenv("EXPORTGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    alone = tmp_path / "ofac"
    alone.mkdir()
    shutil.copy(fixtures / "ofac_sdn_2021-07" / "sdn.csv.gz", alone / "sdn.csv.gz")
    result = CliRunner().invoke(load_commands(), ["lists", "update", str(alone), "--format", "sdn"])
    assert result.exit_code == 1 and "partial OFAC file set" in result.output
