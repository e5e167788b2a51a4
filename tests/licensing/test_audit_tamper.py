"""The audit trail against someone who can write to the database but does not hold the signing key.

Each attack the hardening review found undetected (editing ``note``, deleting the newest records,
emptying the table, rewriting a record and recomputing every later hash) must be detected, and the
report must name the record where the chain breaks.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from exportguard.cli.app import load_commands
from exportguard.store import anchor, audit
from exportguard.store.audit import AuditRecord, signed_hash, verify_chain
from exportguard.store.base import make_engine, session_factory
from exportguard.store.migrate import upgrade
from exportguard.store.users import one_pair_of_eyes
from exportguard.store.writes import write_transaction

RECORDS = 30
runner = CliRunner()


def _write_records(sessions: sessionmaker[Session], count: int = RECORDS) -> list[int]:
    ids = []
    for number in range(count):
        with write_transaction(sessions) as session:
            ids.append(audit.append(session, "ann", "screen", f"party:{number}", {"query": number}).id)
    return ids


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _execute(sessions: sessionmaker[Session], statement: str) -> None:
    with sessions.begin() as session:
        session.execute(text(statement))


def test_an_untouched_chain_verifies_against_its_checkpoint(sessions: sessionmaker[Session]) -> None:
    ids = _write_records(sessions)
    with sessions() as session:
        report = verify_chain(session)
    assert report.ok, report.problem
    assert (report.checked, report.anchored_at) == (RECORDS, ids[-1])


def test_editing_the_note_column_is_detected(sessions: sessionmaker[Session]) -> None:
    ids = _write_records(sessions)
    _execute(sessions, f"UPDATE audit_log SET note = 'approved by phone' WHERE id = {ids[5]}")
    with sessions() as session:
        report = verify_chain(session)
    assert report.first_broken_id == ids[5]
    assert "altered" in (report.problem or "")


def test_deleting_the_last_twenty_records_is_detected(sessions: sessionmaker[Session]) -> None:
    ids = _write_records(sessions)
    _execute(sessions, f"DELETE FROM audit_log WHERE id > {ids[-21]}")
    with sessions() as session:
        report = verify_chain(session)
    assert report.first_broken_id == ids[-20]  # the first record missing
    assert f"records after {ids[-21]} are gone" in (report.problem or "")


def test_deleting_every_record_is_detected(sessions: sessionmaker[Session]) -> None:
    _write_records(sessions)
    _execute(sessions, "DELETE FROM audit_log")
    with sessions() as session:
        report = verify_chain(session)
    assert not report.ok
    assert "every record is gone" in (report.problem or "")


def test_deleting_a_middle_record_names_the_one_after_it(sessions: sessionmaker[Session]) -> None:
    ids = _write_records(sessions)
    _execute(sessions, f"DELETE FROM audit_log WHERE id = {ids[10]}")
    with sessions() as session:
        assert verify_chain(session).first_broken_id == ids[11]


@pytest.mark.parametrize("forged_mac", ["keep", "other key"])
def test_a_rewritten_record_with_every_later_hash_recomputed_is_detected(
    sessions: sessionmaker[Session], forged_mac: str
) -> None:
    """Without the key the signatures cannot follow: the first rewritten record is named."""
    ids = _write_records(sessions)
    with sessions.begin() as session:
        records = list(session.scalars(select(AuditRecord).order_by(AuditRecord.id)))
        prev_hash = records[6].hash
        for record in records[7:]:
            record.details = {"query": "nothing to see"} if record.id == ids[7] else record.details
            record.prev_hash = prev_hash
            record.hash = signed_hash(prev_hash, record.id, _utc(record.at), record.actor, record.action,
                                      record.subject, record.details, record.note)
            if forged_mac == "other key":
                record.mac = anchor.sign(b"a guessed key", record.hash)
            prev_hash = record.hash
    with sessions() as session:
        report = verify_chain(session)
    assert report.first_broken_id == ids[7]
    assert "recomputed" in (report.problem or "")


def test_a_recomputed_chain_of_unsigned_records_is_caught_by_the_checkpoint(sessions: sessionmaker[Session]) -> None:
    """Downgrading rewritten records to chain version 1 (no signature) still leaves the head unmatched."""
    ids = _write_records(sessions)
    _execute(sessions, "UPDATE audit_log SET chain_version = 1, mac = NULL")
    with sessions() as session:
        report = verify_chain(session)
    assert report.first_broken_id == ids[0]


def test_verify_command_names_the_record_and_export_anchors_the_head(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    ids = _write_records(sessions, 5)
    exported = tmp_path / "head.json"
    done = runner.invoke(load_commands(), ["audit", "export", "--database-url", database_url, "-o", str(exported)])
    assert done.exit_code == 0, done.output
    assert json.loads(exported.read_text())["record_id"] == ids[-1]
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    intact = runner.invoke(load_commands(), ["audit", "verify", "--database-url", database_url,
                                             "--anchor", str(exported)])
    assert intact.exit_code == 0, intact.output
    # The checkpoint file is lost together with the newest records; the offsite anchor still catches it.
    with sessions() as session:
        database = anchor.database_identity(session.get_bind().engine.url)
    anchor.checkpoint_path(database).unlink()
    _execute(sessions, f"DELETE FROM audit_log WHERE id = {ids[-1]}")
    broken = runner.invoke(load_commands(), ["audit", "verify", "--database-url", database_url,
                                             "--anchor", str(exported)])
    assert broken.exit_code == 1
    assert f"broken at record {ids[-1]}" in broken.output
    assert f"records after {ids[-2]} are gone" in broken.output


def test_the_signing_key_file_is_created_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(anchor.KEY_ENV, raising=False)
    monkeypatch.setenv(anchor.KEY_FILE_ENV, str(tmp_path / "keys" / "audit.key"))
    key = anchor.signing_key()
    assert len(key) == 64
    assert stat.S_IMODE((tmp_path / "keys" / "audit.key").stat().st_mode) == 0o600
    assert anchor.signing_key() == key


def test_upgrading_a_populated_older_database_keeps_its_chain_verifiable(tmp_path: Path) -> None:
    """Records written before 0008 keep their version-1 hashes; new ones chain on, signed."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0005")
    engine = make_engine(url)
    prev = audit.GENESIS_HASH
    with engine.begin() as connection:
        for number in range(3):
            at = datetime(2026, 11, 1, 12, number, tzinfo=UTC)
            hash_ = audit.record_hash(prev, at, "ann", "screen", f"party:{number}", {"query": number})
            connection.execute(
                text("INSERT INTO audit_log (at, actor, action, subject, details, prev_hash, hash, note) "
                     "VALUES (:at, 'ann', 'screen', :subject, :details, :prev, :hash, '')"),
                {"at": at.replace(tzinfo=None), "subject": f"party:{number}", "details": json.dumps({"query": number}),
                 "prev": prev, "hash": hash_})
            prev = hash_
        connection.execute(text("INSERT INTO users (name, role, active, created_at) "
                                "VALUES ('old-admin', 'admin', 1, '2026-11-01 12:00:00')"))
    upgrade(url)
    sessions = session_factory(engine)
    with sessions() as session:
        # An account from before 0008 has no creator on record: four-eyes relates it to no one.
        assert not one_pair_of_eyes(session, "old-admin", "cli")
    _write_records(sessions, 2)
    with sessions() as session:
        report = verify_chain(session)
    assert report.ok, report.problem
    assert (report.checked, report.unsigned) == (5, 3)
    _execute(sessions, "UPDATE audit_log SET note = 'edited' WHERE id = 2")
    with sessions() as session:
        assert verify_chain(session).first_broken_id == 2
    engine.dispose()


def test_a_new_sqlite_database_file_is_private(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    assert stat.S_IMODE(os.stat(tmp_path / "fresh.db").st_mode) == 0o600
