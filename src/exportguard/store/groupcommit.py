"""Group commit for audit records that are a request's only write (screenings).

Each caller blocks until its record is committed, so nothing is acknowledged before it is
durable; records arriving together share one transaction and one disk flush. This keeps the
chain's single-writer order without making every screening wait for its own flush.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from exportguard.store import audit
from exportguard.store.writes import write_transaction

MAX_BATCH = 500


@dataclass
class _Pending:
    entry: tuple[str, str, str, dict[str, Any]]
    notify: Callable[[BaseException | None], None]


class AuditWriter:
    """A background writer that appends queued audit records in batches."""

    def __init__(self, factory: sessionmaker[Session]):
        self._factory = factory
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="audit-group-commit", daemon=True)
        self._thread.start()

    def append(self, actor: str, action: str, subject: str, details: dict[str, Any]) -> None:
        """Append one record and return once it is committed (raises what the commit raised)."""
        done, outcome = threading.Event(), []

        def notify(error: BaseException | None) -> None:
            outcome.append(error)
            done.set()

        self._queue.put(_Pending((actor, action, subject, details), notify))
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

        self._queue.put(_Pending((actor, action, subject, details), notify))
        await committed

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            self._commit(batch)

    def _commit(self, batch: list[_Pending]) -> None:
        error: BaseException | None = None
        try:
            with write_transaction(self._factory) as session:
                audit.append_many(session, [(*pending.entry, "") for pending in batch])
        except Exception as failure:  # every waiter must learn its record was not stored
            error = failure
        for pending in batch:
            pending.notify(error)

