"""Group commit for audit records that are a request's only write (screenings).

Each caller blocks until its record is committed, so nothing is acknowledged before it is
durable; records arriving together share one transaction and one disk flush. This keeps the
chain's single-writer order without making every screening wait for its own flush.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from exportguard.store import audit
from exportguard.store.writes import write_transaction

MAX_BATCH = 500


@dataclass
class _Pending:
    entry: tuple[str, str, str, dict[str, Any]]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class AuditWriter:
    """A background writer that appends queued audit records in batches."""

    def __init__(self, factory: sessionmaker[Session]):
        self._factory = factory
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="audit-group-commit", daemon=True)
        self._thread.start()

    def append(self, actor: str, action: str, subject: str, details: dict[str, Any]) -> None:
        """Append one record and return once it is committed (raises what the commit raised)."""
        pending = _Pending((actor, action, subject, details))
        self._queue.put(pending)
        pending.done.wait()
        if pending.error is not None:
            raise pending.error

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            self._commit(batch)

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            with write_transaction(self._factory) as session:
                for pending in batch:
                    audit.append(session, *pending.entry)
        except Exception as error:  # every waiter must learn its record was not stored
            for pending in batch:
                pending.error = error
        for pending in batch:
            pending.done.set()
