"""Group commit for audit records that are a request's only write (screenings).

Each caller blocks until its record is committed, so nothing is acknowledged before it is
durable; records arriving together share one transaction and one disk flush. This keeps the
chain's single-writer order without making every screening wait for its own flush. The checkpoint
outside the database (:mod:`exportguard.store.anchor`) is advanced after the callers are woken, in a thread
of its own, to the newest record committed by then, at most once per ``CHECKPOINT_SECONDS``: it is written
without a flush anyway (one lost is only older, and a power cut loses the file system's last seconds), and
it cost each answer about a third of a millisecond of waiting, and the next batch as much when the writer
wrote it itself (bench/results/server_tail.txt). :meth:`AuditWriter.drain` has it written at once.
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

from exportguard.store import anchor, audit
from exportguard.store.writes import write_transaction

MAX_BATCH = 500
#: At most one checkpoint write per this many seconds: it costs the requests answered meanwhile about 0.3 ms
#: on 2 cores (CPU and the GIL; bench/results/server_tail.txt), and one write covers every batch before it.
CHECKPOINT_SECONDS = 0.1
log = logging.getLogger("exportguard.audit")


@dataclass
class _Pending:
    entry: tuple[str, str, str, dict[str, Any]]
    notify: Callable[[BaseException | None], None]


class AuditWriter:
    """A background writer that appends queued audit records in batches, and a second thread that advances the
    checkpoint to the newest committed record (so a commit never waits for the previous batch's checkpoint)."""

    def __init__(self, factory: sessionmaker[Session]):
        self._factory = factory
        with factory() as session:  # one writer, one database: its identity is worked out once
            self._database = anchor.database_identity(session.get_bind().engine.url)
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        # What drain() waits on: records queued and records settled (committed or refused), the newest committed
        # record not yet checkpointed, and whether a checkpoint is being written.
        self._progress = threading.Condition()
        self._queued = self._settled = self._draining = 0
        self._head: tuple[int, str] | None = None
        self._checkpointing = False
        for target, name in ((self._run, "audit-group-commit"), (self._advance_checkpoints, "audit-checkpoint")):
            threading.Thread(target=target, name=name, daemon=True).start()

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
            self._draining += 1  # the checkpoint thread writes at once rather than after its pause
            self._progress.notify_all()
            self._progress.wait_for(lambda: self._settled >= queued and self._head is None
                                    and not self._checkpointing)
            self._draining -= 1

    def _enqueue(self, pending: _Pending) -> None:
        with self._progress:
            self._queued += 1
        self._queue.put(pending)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            head = self._commit(batch)
            with self._progress:
                self._settled += len(batch)
                self._head = head or self._head
                self._progress.notify_all()

    def _commit(self, batch: list[_Pending]) -> tuple[int, str] | None:
        """Commit the batch and wake its waiters; the newest record committed (None if the commit failed)."""
        error: BaseException | None = None
        head = None
        try:
            with write_transaction(self._factory) as session:
                newest = audit.append_many(session, [(*pending.entry, "") for pending in batch], checkpointed=False)[-1]
                head = (newest.id, newest.hash)
        except Exception as failure:  # every waiter must learn its record was not stored
            error = failure
        for pending in batch:
            pending.notify(error)
        return None if error else head  # a head read before a failed commit names no stored record

    def _advance_checkpoints(self) -> None:
        while True:
            record_id, record_hash = self._next_head()
            try:
                audit.advance_checkpoint(self._database, record_id, record_hash)
            except Exception:
                # The records are stored and acknowledged: a checkpoint not written now is only older, and the
                # next one catches up; this thread must live on for the records still to come.
                log.exception("the audit checkpoint could not be advanced to record %s", record_id)
            with self._progress:
                self._checkpointing = False
                self._progress.notify_all()
                self._progress.wait_for(lambda: self._draining > 0, timeout=CHECKPOINT_SECONDS)

    def _next_head(self) -> tuple[int, str]:
        """Wait for a committed record not yet checkpointed and take it: the newest (it covers the older ones)."""
        with self._progress:
            while self._head is None:
                self._progress.wait()
            head, self._head, self._checkpointing = self._head, None, True
            return head
