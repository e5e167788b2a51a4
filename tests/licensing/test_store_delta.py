"""The store's delta re-screen: the list changes read from the stored content hashes, chunks of many customers that
a killed run resumes after, and the stored normal forms the database tells current or stale; on SQLite and
PostgreSQL, over the real 2019 -> 2021 OFAC SDN change."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from licensing_support import Killed, kill_after
from monitoring_support import customers_meeting_a_change
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from exportguard.batch.runner import Customer, LocalRunner
from exportguard.lists import ecfr_entity_list, ofac_sdn
from exportguard.lists.model import ListSnapshot
from exportguard.lists.versions import diff
from exportguard.store import customer_store
from exportguard.store.customer_store import combined, import_customers, rescreen_in_chunks
from exportguard.store.list_changes import changes_since
from exportguard.store.list_store import record_version
from exportguard.store.monitoring import CustomerRecord, ListVersionRecord, RescreenRun, ScreeningHitRecord
from exportguard.store.writes import write_transaction

FIXTURES = Path(__file__).parent.parent / "fixtures"
RUNNER = LocalRunner(processes=1)
#: The fixtures are far smaller than the bundled lists they stand in for: the guard refuses them without one.
FORCED = "test fixture"



@cache
def _sdn(edition: str) -> ListSnapshot:
    return ofac_sdn.load(FIXTURES / f"ofac_sdn_{edition}")


@cache
def _entity_list_excerpt() -> ListSnapshot:
    return ecfr_entity_list.load(FIXTURES / "bis_entity_list_excerpt.json")


def _recorded(session: Session, snapshot: ListSnapshot) -> ListVersionRecord:
    record_version(session, snapshot, "test", force_reason=FORCED)
    found = session.get(ListVersionRecord, snapshot.version.id)
    assert found is not None
    return found


#: (what was screened, what is in force): the first SDN replaced by the second (removed, modified and added
#: entries); the Entity List taken from the bundle before and from a loaded excerpt now (the bundled parties'
#: hashes worked out to compare with the stored ones); and both at once.
CASES = {
    "SDN 2019 -> 2021": (["2019-01"], ["2021-07"]),
    "bundled EL -> loaded EL": (["2021-07"], ["2021-07", "EL"]),
    "both": (["2019-01"], ["2021-07", "EL"]),
}


@pytest.mark.parametrize("case", CASES)
def test_the_changes_from_the_stored_hashes_are_the_diff_of_the_snapshots(
    sessions: sessionmaker[Session], case: str
) -> None:
    """Entry for entry, in order, with each modified entry's old and new party and changed fields; only the
    removed and modified entries of the versions screened before are read back."""
    screened_names, in_force_names = CASES[case]
    ids: dict[str, str] = {}
    with write_transaction(sessions) as session:
        for name in dict.fromkeys([*screened_names, *in_force_names]):
            ids[name] = _recorded(session, _entity_list_excerpt() if name == "EL" else _sdn(name)).id
    with sessions() as session:
        screened = [session.get_one(ListVersionRecord, ids[name]) for name in screened_names]
        versions = [session.get_one(ListVersionRecord, ids[name]) for name in in_force_names]
        new = combined(session, versions)
        changes = changes_since(session, screened, versions, new)
        assert changes == diff(combined(session, screened), new)
    # The excerpt's entries are all on the bundled Entity List: that case adds none.
    assert changes.removed and changes.modified and (changes.added or case == "bundled EL -> loaded EL")


def _customers() -> list[Customer]:
    """Names of SDN entries the 2019 -> 2021 change removed, modified, left alone and added, and negatives."""
    return customers_meeting_a_change(_sdn("2019-01"), _sdn("2021-07"), 6)


def _stored(sessions: sessionmaker[Session]) -> dict[tuple[str, str], tuple[float, str]]:
    """Every hit and near miss not retired, by customer reference and entry: its score and status."""
    with sessions() as session:
        query = (select(CustomerRecord.external_ref, ScreeningHitRecord.entry_key, ScreeningHitRecord.score,
                        ScreeningHitRecord.status)
                 .join(CustomerRecord, CustomerRecord.id == ScreeningHitRecord.customer_id)
                 .where(ScreeningHitRecord.status != "retired"))
        return {(ref, key): (score, status) for ref, key, score, status in session.execute(query)}



def test_a_killed_delta_rescreen_resumes_after_its_chunk_and_stores_the_hits_of_a_full_one(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A delta run commits ``DELTA_CHUNK_CUSTOMERS`` customers at a time; killed, it is resumed after the last chunk
    committed, as a delta, and the hits it leaves are those of a full re-screen (hits and scores; near misses are
    what each kind of run records)."""
    monkeypatch.setattr(customer_store, "DELTA_CHUNK_CUSTOMERS", 7)
    with write_transaction(sessions) as session:
        _recorded(session, _sdn("2019-01"))
        import_customers(session, _customers(), "test")
    rescreen_in_chunks(sessions, "test", RUNNER)
    with write_transaction(sessions) as session:
        _recorded(session, _sdn("2021-07"))
    with pytest.raises(Killed):
        rescreen_in_chunks(sessions, "test", RUNNER, kill_after(2))  # type: ignore[arg-type]
    with sessions() as session:
        run = session.scalars(select(RescreenRun).where(RescreenRun.finished_at.is_(None))).one()
        assert (run.mode, run.last_customer_id) == ("delta", 14)
    resumed = rescreen_in_chunks(sessions, "test", RUNNER, resume_only=True)
    assert (resumed.mode, resumed.resumed_after) == ("delta", 14)
    after_delta = _stored(sessions)
    full = rescreen_in_chunks(sessions, "test", RUNNER, full=True)
    hits = {pair: hit for pair, hit in after_delta.items() if hit[1] != "watch"}
    assert hits and hits == {pair: hit for pair, hit in _stored(sessions).items() if hit[1] != "watch"}
    assert (full.counts()["new"], full.counts()["retired"], full.counts()["changed"]) == (0, 0, 0)
    assert resumed.counts()["retired"] > 0 and resumed.counts()["changed"] + resumed.counts()["new"] > 0


def test_stale_missing_and_renamed_normal_forms_are_made_anew_and_screened_as_made(
    sessions: sessionmaker[Session],
) -> None:
    """The database tells which stored forms are the current normaliser's, of the name as it reads: one of an older
    normaliser, one missing and one of a name since changed behind the store's back are made anew, stored, and what
    the customers are screened with (a stale form read as current would screen them as the tokens it holds)."""
    with write_transaction(sessions) as session:
        _recorded(session, _sdn("2021-07"))
        import_customers(session, _customers(), "test")
    rescreen_in_chunks(sessions, "test", RUNNER)
    screened = _stored(sessions)
    with write_transaction(sessions) as session:
        records = {record.external_ref: record for record in session.scalars(select(CustomerRecord))}
        stale = records["ERP-0"]
        stale.normalized_name = {**stale.normalized_name, "fingerprint": "an older normaliser", "tokens": ["stale"]}
        records["ERP-7"].normalized_name = None
        session.flush()
        # A rename written past the store (no new form stored), to the name of another customer.
        session.execute(update(CustomerRecord).where(CustomerRecord.external_ref == "ERP-13")
                        .values(name=records["ERP-20"].name))
    rescreen_in_chunks(sessions, "test", RUNNER, full=True)
    with sessions() as session:
        records = {record.external_ref: record for record in session.scalars(select(CustomerRecord))}
        forms = {ref: record.normalized_name for ref, record in records.items()}
        assert all(form == customer_store._new_form(records[ref].name)[1] for ref, form in forms.items())
    assert forms["ERP-13"] == forms["ERP-20"]
    again = _stored(sessions)
    assert {pair: hit for pair, hit in again.items() if pair[0] != "ERP-13"} == {
        pair: hit for pair, hit in screened.items() if pair[0] != "ERP-13"}
    assert {key: hit for (ref, key), hit in again.items() if ref == "ERP-13"} == {
        key: hit for (ref, key), hit in screened.items() if ref == "ERP-20"}
