"""Store integrity: concurrent shipments never overdraw a license; tampering breaks the audit chain."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from exportguard.cli.app import load_commands
from exportguard.licenses.balance import Shipment, ShipmentRefused, valid_until
from exportguard.store.audit import AuditRecord, verify_chain
from exportguard.store.groupcommit import AuditWriter
from exportguard.store.license_ops import get_license, issue_license, record_shipment
from exportguard.store.licensing import ShipmentRecord
from exportguard.store.writes import write_transaction

REQUESTS = 50


def _license(sessions: sessionmaker[Session], quantity: int, value_cents: int) -> int:
    fields = {"license_number": "D0000001", "issued_on": date(2019, 11, 20), "valid_until": valid_until(date(2019, 11, 20)),
              "parties": [], "items": [], "riders": [], "quantity": quantity, "value_cents": value_cents,
              "tolerance_pct": 10, "application_id": None}
    with write_transaction(sessions) as session:
        return issue_license(session, fields, "rita").id


def _attempt(sessions: sessionmaker[Session], license_id: int, number: int, start: threading.Barrier) -> bool:
    start.wait()
    try:
        with write_transaction(sessions) as session:
            record_shipment(session, license_id, Shipment(3, 1_000, date(2020, 1, 2)), f"S{number}", "ann")
        return True
    except ShipmentRefused:
        return False


def test_fifty_concurrent_shipments_never_overdraw_or_lose_a_decrement(sessions: sessionmaker[Session]) -> None:
    license_id = _license(sessions, quantity=100, value_cents=10**9)
    start = threading.Barrier(REQUESTS)
    with ThreadPoolExecutor(REQUESTS) as pool:
        accepted = sum(pool.map(lambda n: _attempt(sessions, license_id, n, start), range(REQUESTS)))
    with sessions() as session:
        license_ = get_license(session, license_id)
        recorded = session.scalar(select(func.count()).select_from(ShipmentRecord))
        assert accepted == 33  # 33 x 3 = 99 units fit under 100; the 34th would overdraw
        assert recorded == accepted
        assert license_.shipped_quantity == 3 * accepted
        assert license_.shipped_value_cents == 1_000 * accepted
        assert verify_chain(session).ok


def test_editing_an_audit_record_is_detected(sessions: sessionmaker[Session]) -> None:
    license_id = _license(sessions, quantity=10, value_cents=1_000)
    with write_transaction(sessions) as session:
        record_shipment(session, license_id, Shipment(1, 10, date(2020, 1, 2)), "S1", "ann")
    with sessions.begin() as session:
        assert verify_chain(session).ok
        session.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE action = 'license.issue'"))
    with sessions() as session:
        report = verify_chain(session)
        first = session.scalar(text("SELECT id FROM audit_log WHERE action = 'license.issue'"))
    assert report.first_broken_id == first


def test_deleting_an_audit_record_is_detected(sessions: sessionmaker[Session]) -> None:
    license_id = _license(sessions, quantity=10, value_cents=1_000)
    for number in range(3):
        with write_transaction(sessions) as session:
            record_shipment(session, license_id, Shipment(1, 10, date(2020, 1, 2)), f"S{number}", "ann")
    with sessions.begin() as session:
        session.execute(text("DELETE FROM audit_log WHERE id = (SELECT MIN(id) + 1 FROM audit_log)"))
    with sessions() as session:
        assert not verify_chain(session).ok


def test_audit_verify_command_exits_1_on_tampering(sessions: sessionmaker[Session], database_url: str) -> None:
    _license(sessions, quantity=10, value_cents=1_000)
    runner = CliRunner()
    intact = runner.invoke(load_commands(), ["audit", "verify", "--database-url", database_url])
    assert intact.exit_code == 0, intact.output
    with sessions.begin() as session:
        session.execute(text("UPDATE audit_log SET details = '{}'"))
    broken = runner.invoke(load_commands(), ["audit", "verify", "--database-url", database_url])
    assert broken.exit_code == 1
    assert "broken at record" in broken.output


def test_group_committed_records_from_many_threads_form_one_valid_chain(sessions: sessionmaker[Session]) -> None:
    writer = AuditWriter(sessions)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda n: writer.append("ann", "screen", f"party:{n}", {"query": n}), range(200)))
    with sessions() as session:
        subjects = session.scalars(select(AuditRecord.subject).where(AuditRecord.action == "screen")).all()
        assert sorted(subjects) == sorted(f"party:{n}" for n in range(200))
        assert verify_chain(session).ok
