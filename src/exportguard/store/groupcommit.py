"""Group commit for audit records that are a request's only write (screenings).

Each caller blocks until its record is committed, so nothing is acknowledged before it is
durable; records arriving together share one transaction and one disk flush. This keeps the
chain's single-writer order without making every screening wait for its own flush. The checkpoint
outside the database (:mod:`exportguard.store.anchor`) is advanced after the callers are woken: it is
written without a flush anyway (one lost is only older), and it cost each answer about a third of a
millisecond of waiting (bench/results/server_tail.txt).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from exportguard.store import audit
from exportguard.store.writes import write_transaction

MAX_BATCH = 500
log = logging.getLogger("exportguard.audit")


@dataclass
class _Pending:
    entry: tuple[str, str, str, dict[str, Any]]
    notify: Callable[[BaseException | None], None]


class AuditWriter:
    """A background writer that appends queued audit records in batches."""

    def __init__(self, factory: sessionmaker[Session]):
        self._factory = factory
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        # Records queued, and records settled (committed or refused, then checkpointed): what drain() waits on.
        self._progress = threading.Condition()
        self._queued = self._settled = 0
        self._thread = threading.Thread(target=self._run, name="audit-group-commit", daemon=True)
        self._thread.start()

    def append(self, actor: str, action: str, subject: str, details: dict[str, Any]) -> None:
        """Append one record and return once it is committed (raises what the commit raised)."""
        done, outcome = threading.Event(), []

        def notify(error: BaseException | None) -> None:
            outcome.append(error)
            done.set()

        self._enqueue(_Pending((actor, action, subject, details), notify))
        done.wait()
        if outcome[0] is not None:
            raise outcome[0]

    async def append_async(self, actor: str, action: str, subject: str, details: dict[str, Any]) -> None:
        """:meth:`append` for the event loop: awaits the commit without holding a thread."""
        loop = asyncio.get_running_loop()
        committed: asyncio.Future[None] = loop.create_future()

        def settle(error: BaseException | None) -> None:
            if not committed.done():
                committed.set_exception(error) if error else committed.set_result(None)

        def notify(error: BaseException | None) -> None:
            loop.call_soon_threadsafe(settle, error)

        self._enqueue(_Pending((actor, action, subject, details), notify))
        await committed

    def drain(self) -> None:
        """Return once every record queued so far is settled and, if stored, checkpointed."""
        with self._progress:
            queued = self._queued
            self._progress.wait_for(lambda: self._settled >= queued)

    def _enqueue(self, pending: _Pending) -> None:
        with self._progress:
            self._queued += 1
        self._queue.put(pending)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            self._commit(batch)
            with self._progress:
                self._settled += len(batch)
                self._progress.notify_all()

    def _commit(self, batch: list[_Pending]) -> None:
        """Commit the batch, wake its waiters, then advance the checkpoint to its newest record."""
        error: BaseException | None = None
        try:
            with write_transaction(self._factory) as session:
                newest = audit.append_many(session, [(*pending.entry, "") for pending in batch], checkpointed=False)[-1]
                head = (newest.id, newest.hash)
        except Exception as failure:  # every waiter must learn its record was not stored
            error = failure
        for pending in batch:
            pending.notify(error)
        if error is None:
            self._advance_checkpoint(session, *head)

    @staticmethod
    def _advance_checkpoint(session: Session, record_id: int, record_hash: str) -> None:
        # The records are stored and acknowledged: a checkpoint that cannot be written now is only older, and
        # the next batch's catches up; the writer must live on for the requests still to come.
        try:
            audit.advance_checkpoint(session, record_id, record_hash)
        except Exception:
            log.exception("the audit checkpoint could not be advanced to record %s", record_id)

