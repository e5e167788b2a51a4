"""Re-screens that never block the API and survive a kill: chunked commits, a checkpoint, resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from licensing_support import Killed, kill_after
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from exportguard.api.app import create_app
from exportguard.batch.runner import Customer, LocalRunner
from exportguard.lists import ecfr_entity_list
from exportguard.matching.screener import with_native_names
from exportguard.store import base, customer_store
from exportguard.store.audit import AuditRecord, verify_chain
from exportguard.store.customer_store import (
    MonitoringError,
    dispose,
    import_customers,
    rescreen_customers,
    rescreen_in_chunks,
)
from exportguard.store.list_store import record_version
from exportguard.store.monitoring import CustomerRecord, RescreenRun, ScreeningHitRecord
from exportguard.store.users import create_user
from exportguard.store.writes import write_transaction

FIXTURES = Path(__file__).parent.parent / "fixtures"
RUNNER = LocalRunner(processes=1)
DRAFT = {"title": "Routers", "applicant": "Acme Networks Inc.", "destination": "CN",
         "parties": [{"role": "end_user", "name": "Huawei Technologies Co., Ltd.", "country": "CN"}],
         "items": [{"eccn": "5A992.c", "description": "routers", "quantity": 1, "value": "1.00"}]}



def _load(sessions: sessionmaker[Session], customers: int) -> None:
    """The Entity List excerpt and ``customers`` customers, one in five named as a listed entity."""
    snapshot = ecfr_entity_list.load(FIXTURES / "bis_entity_list_excerpt.json")
    listed = [party.name for party in snapshot.parties]
    rows = [Customer(f"K-{n}", listed[n % len(listed)] if n % 5 == 0 else f"Northwind {n} Trading Ltd")
            for n in range(customers)]
    with write_transaction(sessions) as session:
        record_version(session, snapshot, "test", force_reason="12-entry test excerpt")  # far below the bundled EL
        import_customers(session, rows, "test")


def _hits(sessions: sessionmaker[Session]) -> dict[tuple[int, str], tuple[float, str]]:
    with sessions() as session:
        return {(h.customer_id, h.entry_key): (h.score, h.status) for h in session.scalars(select(ScreeningHitRecord))}



def test_a_killed_rescreen_resumes_after_its_checkpoint_and_ends_as_a_full_one(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(customer_store, "CHUNK_CUSTOMERS", 40)
    _load(sessions, 200)
    with pytest.raises(Killed):
        rescreen_in_chunks(sessions, "test", RUNNER, kill_after(2))  # type: ignore[arg-type]
    with sessions() as session:
        run = session.scalars(select(RescreenRun)).one()
        assert run.finished_at is None
        checkpoint = run.last_customer_id
    assert checkpoint > 0
    resumed = rescreen_in_chunks(sessions, "test", RUNNER, resume_only=True)
    assert resumed.resumed_after == checkpoint
    assert resumed.mode == "full"
    after_resume = _hits(sessions)
    # Hits committed before the kill and after the resume are counted once each.
    assert resumed.counts()["new"] == sum(status == "new" for _score, status in after_resume.values())
    again = rescreen_in_chunks(sessions, "test", RUNNER, full=True)  # what an uninterrupted run gives
    assert (again.resumed_after, again.counts()["new"], again.counts()["retired"]) == (0, 0, 0)
    assert _hits(sessions) == after_resume
    with sessions() as session:
        assert verify_chain(session).ok
        assert session.scalars(select(RescreenRun).where(RescreenRun.finished_at.is_(None))).all() == []


def _written_past_import(sessions: sessionmaker[Session], changes: dict[str, dict[str, str]]) -> None:
    """Customers changed in the database directly (as an older version, or another program, could) past the
    import's checks: a country that is no ISO 3166 alpha-2 code, a blank name."""
    with write_transaction(sessions) as session:
        for reference, values in changes.items():
            session.execute(update(CustomerRecord).where(CustomerRecord.external_ref == reference).values(**values))


def test_a_resumed_rescreen_reports_the_customers_it_could_not_screen_before_and_after_its_checkpoint(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(customer_store, "CHUNK_CUSTOMERS", 40)
    _load(sessions, 200)
    _written_past_import(sessions, {"K-3": {"country": "XX"}, "K-150": {"country": "ZZ"}, "K-190": {"name": "  "}})
    with pytest.raises(Killed):
        rescreen_in_chunks(sessions, "test", RUNNER, kill_after(2))  # type: ignore[arg-type]
    with sessions() as session:
        assert session.scalars(select(RescreenRun)).one().counts["unscreenable"] == 1  # K-3's chunk was committed
    resumed = rescreen_in_chunks(sessions, "test", RUNNER, resume_only=True)
    counts = resumed.counts()
    assert resumed.resumed_after > 0 and counts["unscreenable"] == 3
    listed = [(customer["customer"], customer["reason"].rsplit(", ", 1)[-1])
              for customer in counts["unscreenable_customers"]]
    assert listed == [("K-3", "got 'XX'"), ("K-150", "got 'ZZ'"), ("K-190", "name must be a non-empty string")]
    with sessions() as session:
        audited = session.scalars(select(AuditRecord).where(AuditRecord.action == "customers.rescreened")).one()
        assert audited.details["unscreenable_customers"] == counts["unscreenable_customers"]


def test_a_customer_made_unscreenable_keeps_its_hits_and_is_screened_again_until_fixed(
    sessions: sessionmaker[Session]
) -> None:
    """Nothing backs retiring or confirming the hits of a customer the screener refuses: they stand, the customer
    stays due, and every re-screen, delta ones too, reports it until its record is fixed."""
    _load(sessions, 10)  # K-0 and K-5 are named as listed entities
    rescreen_in_chunks(sessions, "test", RUNNER)
    before = _decisions(sessions)
    assert any(ref == "K-5" and status == "new" for (ref, _key), (_score, status) in before.items())
    _written_past_import(sessions, {"K-5": {"country": "XX"}})
    full = rescreen_in_chunks(sessions, "test", RUNNER, full=True).counts()
    assert (full["unscreenable"], full["retired"], full["new"]) == (1, 0, 0)
    assert _decisions(sessions) == before
    delta = rescreen_in_chunks(sessions, "test", RUNNER).counts()
    assert (delta["mode"], delta["unscreenable"], delta["unscreenable_customers"][0]["customer"]) == ("delta", 1, "K-5")
    with write_transaction(sessions) as session:
        name = session.scalars(select(CustomerRecord.name).where(CustomerRecord.external_ref == "K-5")).one()
        import_customers(session, [Customer("K-5", name, "CN")], "test")
    fixed = rescreen_in_chunks(sessions, "test", RUNNER).counts()
    assert (fixed["unscreenable"], fixed["unscreenable_customers"]) == (0, [])
    with sessions() as session:
        assert session.scalars(select(CustomerRecord).where(CustomerRecord.needs_screening)).all() == []


def test_the_store_refuses_to_import_customers_the_screener_refuses(sessions: sessionmaker[Session]) -> None:
    """Callers of the store other than the CLI (which skips such rows with the reason) store none either."""
    rows = [Customer("K-1", "Volvo Cars AB", "SE"), Customer("K-2", "Acme Trading", "China")]
    refused = r"1 customer\(s\) cannot be screened, none imported: K-2: .*got 'China': write CN for China"
    with pytest.raises(MonitoringError, match=refused), write_transaction(sessions) as session:
        import_customers(session, rows, "test")
    with sessions() as session:
        assert session.scalars(select(CustomerRecord)).all() == []


def test_resume_without_an_interrupted_run_is_refused(sessions: sessionmaker[Session]) -> None:
    _load(sessions, 5)
    with pytest.raises(MonitoringError, match="no interrupted re-screen"):
        rescreen_in_chunks(sessions, "test", RUNNER, resume_only=True)


def _writes_during(rescreen: object, database_url: str, sessions: sessionmaker[Session]) -> tuple[int, int]:
    """API writes (drafts and audited screenings) sent while ``rescreen`` runs: (sent, failed)."""
    with write_transaction(sessions) as session:
        key = {"X-API-Key": create_user(session, "writer", "analyst", actor="test")[1]}
    app = create_app(database_url)
    worker = threading.Thread(target=rescreen)
    sent = failed = 0
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/screen", json={"name": "warm-up"}, headers=key).status_code == 200  # index built
        worker.start()
        while worker.is_alive():
            for path, body in (("/applications", DRAFT), ("/screen", {"name": "Acme Plumbing"})):
                response = client.post(path, json=body, headers=key)
                sent, failed = sent + 1, failed + (response.status_code >= 300)
        worker.join()
    app.state.engine.dispose()
    return sent, failed


#: The issue's 200,000 customers take minutes per database: run with EXPORTGUARD_SCALE_TESTS=1
#: (bench/api_load.py --rescreen-customers 200000 measures the same at that size).
AT_SCALE = pytest.param(200_000, marks=[pytest.mark.slow, pytest.mark.skipif(
    not os.environ.get("EXPORTGUARD_SCALE_TESTS"), reason="set EXPORTGUARD_SCALE_TESTS=1 for the 200,000 run")])


@pytest.mark.parametrize("customers", [600, AT_SCALE])
def test_api_writes_succeed_while_a_rescreen_runs(
    database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, customers: int
) -> None:
    """With a one-second lock wait, a re-screen holding the lock throughout would fail writes (see the
    next test); committing chunk by chunk, none fails."""
    monkeypatch.setattr(base, "SQLITE_BUSY_SECONDS", 1.0)
    monkeypatch.setattr(customer_store, "CHUNK_CUSTOMERS", 50)
    _load(sessions, customers)
    started = time.monotonic()

    def between_chunks(_count: int) -> None:
        time.sleep(0.1)  # a fast machine must not finish before enough writes were sent to prove anything

    sent, failed = _writes_during(
        lambda: rescreen_in_chunks(sessions, "test", LocalRunner(processes=1), between_chunks),
        database_url, sessions)
    assert time.monotonic() - started > 1.0, "the re-screen must outlast the lock wait to prove anything"
    assert sent > 10
    assert failed == 0


def test_a_rescreen_in_one_transaction_would_fail_them(
    database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control for the test above: the old way, one write transaction for the whole run."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL locks rows, not the database: the old way blocked only writes to the same rows")
    monkeypatch.setattr(base, "SQLITE_BUSY_SECONDS", 1.0)
    _load(sessions, 600)

    def in_one_transaction() -> None:
        with write_transaction(sessions) as session:
            rescreen_customers(session, "test", LocalRunner(processes=1))

    _sent, failed = _writes_during(in_one_transaction, database_url, sessions)
    assert failed > 0


@pytest.mark.slow
@pytest.mark.postgres
def test_kill_9_of_a_rescreen_on_postgresql_resumes_where_it_stopped(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the SQLite case is covered in-process above")
    _load(sessions, 3000)
    command = [sys.executable, "-m", "exportguard", "rescreen", "--processes", "1", "--format", "json",
               "--database-url", database_url]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint = 0
    deadline = time.monotonic() + 300
    while checkpoint == 0 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
        with sessions() as session:
            checkpoint = session.scalar(select(RescreenRun.last_customer_id)) or 0
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert checkpoint > 0
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert '"resumed_after": 0' not in resumed.stdout
    after_resume = _hits(sessions)
    again = rescreen_in_chunks(sessions, "test", LocalRunner(processes=1), full=True)
    assert (again.counts()["new"], again.counts()["retired"]) == (0, 0)
    assert _hits(sessions) == after_resume
    with sessions() as session:
        assert verify_chain(session).ok
        actions = session.scalars(select(AuditRecord.action).where(AuditRecord.action == "customers.rescreened"))
        assert len(list(actions)) == 2


def _decisions(sessions: sessionmaker[Session]) -> dict[tuple[str, str], tuple[float, str]]:
    """Each stored hit by customer reference and entry: its score and status."""
    with sessions() as session:
        query = select(CustomerRecord.external_ref, ScreeningHitRecord).join(
            CustomerRecord, CustomerRecord.id == ScreeningHitRecord.customer_id)
        return {(ref, hit.entry_key): (hit.score, hit.status) for ref, hit in session.execute(query)}


@pytest.mark.parametrize("chunk", [1, 7, 40])
def test_streamed_chunks_decide_as_one_screen_of_every_customer_in_memory(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Whatever the chunk size (a chunk of one, chunks that end inside a run of a listed name's
    customers, chunks wider than the pool's read-ahead), two worker processes reading chunks from the
    database store exactly the hits the runner gives for the whole customer list held in memory."""
    monkeypatch.setattr(customer_store, "CHUNK_CUSTOMERS", chunk)
    _load(sessions, 90)
    summary = rescreen_in_chunks(sessions, "test", LocalRunner(processes=2))
    snapshot = ecfr_entity_list.load(FIXTURES / "bis_entity_list_excerpt.json")
    with sessions() as session:
        stored = list(session.scalars(select(CustomerRecord).order_by(CustomerRecord.id)))
        everyone = [Customer(record.external_ref, record.name, record.country, record.address) for record in stored]
        in_force = customer_store.combined(session, customer_store.in_force(session))
        assert not any(record.needs_screening for record in stored)
    assert summary.customers == 90
    # Screened as the store screens: the gazetteer's native-script names indexed.
    runner = LocalRunner(processes=1, screener=with_native_names(in_force))
    in_memory = [result for rows in runner.run(in_force, everyone) for result in rows]
    expected = {(r.customer_id, r.entry_key): (r.score, "new" if r.is_hit() else "watch") for r in in_memory}
    assert _decisions(sessions) == expected
    assert sum(status == "new" for _score, status in expected.values()) >= 90 // 5  # every listed name hits
    assert {key for _ref, key in expected} & {party.key for party in snapshot.parties}


def test_writes_landing_mid_run_are_screened_or_stay_due(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A customer renamed after its chunk was read stays due for the next run; one added, or renamed
    before its chunk is read, is screened as it then reads."""
    monkeypatch.setattr(customer_store, "CHUNK_CUSTOMERS", 10)
    _load(sessions, 100)
    listed = ecfr_entity_list.load(FIXTURES / "bis_entity_list_excerpt.json").parties[1].name
    writes: list[str] = []

    def write_after_first_chunk(_count: int) -> None:
        if writes:
            return
        with write_transaction(sessions) as session:
            import_customers(session, [Customer("K-1", "Renamed After Reading Ltd"),  # in the first chunk
                                       Customer("K-99", listed),  # in the last chunk, not read yet
                                       Customer("K-new", listed)], "test")
        writes.append("done")

    rescreen_in_chunks(sessions, "test", LocalRunner(processes=1), write_after_first_chunk)
    with sessions() as session:
        due = {record.external_ref for record in session.scalars(
            select(CustomerRecord).where(CustomerRecord.needs_screening))}
    assert due == {"K-1"}
    hits = _decisions(sessions)
    assert any(ref == "K-99" and status == "new" for (ref, _key), (_score, status) in hits.items())
    assert any(ref == "K-new" and status == "new" for (ref, _key), (_score, status) in hits.items())
    again = rescreen_in_chunks(sessions, "test", LocalRunner(processes=1))
    assert again.mode == "delta"
    with sessions() as session:
        assert session.scalars(select(CustomerRecord).where(CustomerRecord.needs_screening)).all() == []


def test_a_second_rescreen_updates_retires_and_keeps_verdicts_row_for_row(sessions: sessionmaker[Session]) -> None:
    """The set-based writes of a re-screen over stored hits: every row as the runner scores the customer's
    current name (score, matched name, features, version), a renamed customer's old hits retired, a verdict on
    an unchanged entry still deciding its hit, and the summary counting each change once."""
    _load(sessions, 30)
    rescreen_in_chunks(sessions, "test", RUNNER)
    first = _decisions(sessions)
    with sessions() as session:
        cleared, renamed = session.execute(
            select(ScreeningHitRecord.id, CustomerRecord.external_ref)
            .join(CustomerRecord, CustomerRecord.id == ScreeningHitRecord.customer_id)
            .where(ScreeningHitRecord.status == "new").order_by(ScreeningHitRecord.id).limit(2)).all()
    with write_transaction(sessions) as session:
        dispose(session, cleared[0], "false_positive", "another company", "reviewer")
        import_customers(session, [Customer(renamed[1], "Renamed Bakery Ltd")], "test")
        written_before = session.scalar(select(func.max(ScreeningHitRecord.updated_at)))
    summary = rescreen_in_chunks(sessions, "test", RUNNER, full=True)
    snapshot = ecfr_entity_list.load(FIXTURES / "bis_entity_list_excerpt.json")
    with sessions() as session:
        stored = list(session.scalars(select(CustomerRecord).order_by(CustomerRecord.id)))
        everyone = [Customer(record.external_ref, record.name, record.country, record.address) for record in stored]
        in_force = customer_store.combined(session, customer_store.in_force(session))
        rows = {(ref, hit.entry_key): (hit.score, hit.matched_name, hit.features, hit.list_version, hit.status)
                for ref, hit in session.execute(select(CustomerRecord.external_ref, ScreeningHitRecord).join(
                    CustomerRecord, CustomerRecord.id == ScreeningHitRecord.customer_id))}
        cleared_pair = session.execute(select(CustomerRecord.external_ref, ScreeningHitRecord.entry_key).join(
            CustomerRecord, CustomerRecord.id == ScreeningHitRecord.customer_id)
            .where(ScreeningHitRecord.id == cleared[0])).one()
        assert session.scalar(select(func.min(ScreeningHitRecord.updated_at))) > written_before  # every row written
    runner = LocalRunner(processes=1, screener=with_native_names(in_force))
    screened = [result for part in runner.run(in_force, everyone) for result in part]
    expected = {(r.customer_id, r.entry_key): (r.score, r.matched_name, r.features, r.list_version,
                                               "watch" if not r.is_hit() else "cleared"
                                               if (r.customer_id, r.entry_key) == tuple(cleared_pair) else "new")
                for r in screened}
    retired = {pair: row for pair, row in rows.items() if row[4] == "retired"}
    assert {pair: row for pair, row in rows.items() if row[4] != "retired"} == expected
    assert retired and {ref for ref, _key in retired} == {renamed[1]}
    assert set(retired) == {pair for pair, (_score, status) in first.items() if pair[0] == renamed[1]}
    assert summary.counts()["retired"] == sum(first[pair][1] == "new" for pair in retired)
    assert (summary.counts()["new"], summary.counts()["changed"]) == (0, 0)
    assert {key for _ref, key in expected} & {party.key for party in snapshot.parties}
