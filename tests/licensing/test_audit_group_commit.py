"""The group-commit writer answers once a record is committed and advances the checkpoint after the answer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from exportguard.store import anchor, audit, groupcommit
from exportguard.store.audit import AuditRecord, verify_chain
from exportguard.store.groupcommit import AuditWriter
from exportguard.store.writes import write_transaction

#: Long enough for any commit on a loaded machine; a writer that never answers fails the test, not hangs it.
PATIENCE_SECONDS = 10


def _newest_and_checkpoint(sessions: sessionmaker[Session]) -> tuple[AuditRecord, anchor.Checkpoint | None]:
    with sessions() as session:
        newest = session.scalars(select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1)).one()
        return newest, anchor.read_checkpoint(anchor.database_identity(session.get_bind().engine.url))


def _appended_in_thread(writer: AuditWriter, subject: str) -> threading.Thread:
    appending = threading.Thread(target=writer.append, args=("ann", "screen", subject, {"query": subject}))
    appending.start()
    return appending


@pytest.mark.parametrize("appends, threads", [(1, 1), (40, 1), (200, 16)])
def test_the_checkpoint_names_the_newest_group_committed_record(
    sessions: sessionmaker[Session], appends: int, threads: int
) -> None:
    writer = AuditWriter(sessions)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda n: writer.append("ann", "screen", f"party:{n}", {"query": n}), range(appends)))
    writer.drain()
    newest, checkpoint = _newest_and_checkpoint(sessions)
    assert checkpoint is not None
    assert (checkpoint.record_id, checkpoint.hash) == (newest.id, newest.hash)
    with sessions() as session:
        report = verify_chain(session)
    assert (report.ok, report.checked, report.anchored_at) == (True, appends, newest.id)


def test_the_answer_does_not_wait_for_the_checkpoint(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    released, advancing = threading.Event(), threading.Event()
    advance = audit.advance_checkpoint

    def held_advance(*args: Any) -> None:
        advancing.set()
        released.wait(PATIENCE_SECONDS)
        advance(*args)

    monkeypatch.setattr(audit, "advance_checkpoint", held_advance)
    writer = AuditWriter(sessions)
    appending = _appended_in_thread(writer, "party:first")
    appending.join(PATIENCE_SECONDS)
    answered_while_held = not appending.is_alive()
    held = advancing.wait(PATIENCE_SECONDS)
    released.set()
    writer.drain()
    assert held and answered_while_held
    newest, checkpoint = _newest_and_checkpoint(sessions)
    assert checkpoint is not None and (checkpoint.record_id, newest.subject) == (newest.id, "party:first")


def test_commits_do_not_wait_for_a_checkpoint_and_the_next_one_covers_them_all(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    released, advancing = threading.Event(), threading.Event()
    advance, written = audit.advance_checkpoint, []

    def held_advance(database: str, record_id: int, record_hash: str) -> None:
        advancing.set()
        released.wait(PATIENCE_SECONDS)
        written.append(record_id)
        advance(database, record_id, record_hash)

    monkeypatch.setattr(audit, "advance_checkpoint", held_advance)
    writer = AuditWriter(sessions)
    writer.append("ann", "screen", "party:first", {})
    held = advancing.wait(PATIENCE_SECONDS)
    later = [_appended_in_thread(writer, f"party:later-{n}") for n in range(5)]
    for appending in later:
        appending.join(PATIENCE_SECONDS)
    committed_while_held = not any(appending.is_alive() for appending in later)
    released.set()
    writer.drain()
    assert held and committed_while_held
    newest, checkpoint = _newest_and_checkpoint(sessions)
    assert checkpoint is not None and checkpoint.record_id == newest.id
    assert written == [newest.id - 5, newest.id]  # the first record's, then one for the five after it


def _failing_once(advance: Callable[..., None]) -> Callable[..., None]:
    calls = []

    def advance_or_fail(*args: Any) -> None:
        calls.append(args)
        if len(calls) == 1:
            raise OSError("checkpoint folder not writable")
        advance(*args)

    return advance_or_fail


def test_a_checkpoint_that_cannot_be_written_neither_fails_the_answer_nor_stops_the_writer(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "advance_checkpoint", _failing_once(audit.advance_checkpoint))
    writer = AuditWriter(sessions)
    writer.append("ann", "screen", "party:first", {})
    writer.append("ann", "screen", "party:second", {})
    writer.drain()
    newest, checkpoint = _newest_and_checkpoint(sessions)
    assert newest.subject == "party:second"
    assert checkpoint is not None and checkpoint.record_id == newest.id


@contextmanager
def _failing_commit(factory: sessionmaker[Session]) -> Iterator[Session]:
    with write_transaction(factory) as session:
        yield session
        raise OSError("disk full at commit")


def test_a_failed_commit_is_never_checkpointed(sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    writer = AuditWriter(sessions)
    writer.append("ann", "screen", "party:stored", {})
    monkeypatch.setattr(groupcommit, "write_transaction", _failing_commit)
    with pytest.raises(OSError, match="disk full"):
        writer.append("ann", "screen", "party:lost", {})
    writer.drain()
    newest, checkpoint = _newest_and_checkpoint(sessions)
    assert newest.subject == "party:stored"
    assert checkpoint is not None and checkpoint.record_id == newest.id
    with sessions() as session:
        assert verify_chain(session).ok


def test_other_transactions_still_checkpoint_at_their_commit(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        audit.append(session, "ann", "license.issue", "license:1", {})
    newest, checkpoint = _newest_and_checkpoint(sessions)
    assert checkpoint is not None and checkpoint.record_id == newest.id
