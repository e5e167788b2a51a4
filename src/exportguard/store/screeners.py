"""The screener over a database's lists in force: what the API, the console and the CLI screen with.

After `exportguard lists update`, screening must use the new version, not the list bundled with the
package: each list comes from the newest loaded file that has it, else from the bundled 2022 CSL
(:func:`exportguard.store.customer_store.combined`). A running server looks for a change at most
every ``REFRESH_SECONDS`` and rebuilds its index when the versions in force differ.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from exportguard.heap import built_frozen
from exportguard.matching.screener import Screener, default_screener, with_native_names
from exportguard.store.base import database_url, make_engine, session_factory
from exportguard.store.customer_store import combined, in_force
from exportguard.store.monitoring import ListVersionRecord

REFRESH_SECONDS = 30.0


class ListsInForce:
    """A screener over the versions in force, rebuilt when they change; the bundled CSL alone when none is loaded."""

    def __init__(self, sessions: sessionmaker[Session], refresh_seconds: float = REFRESH_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self._sessions = sessions
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._checked_at = -math.inf
        self._versions: tuple[str, ...] = ()
        self._screener: Screener | None = None

    def screener(self, fresh: bool = False) -> Screener:
        """The current screener, checking the database for a newer version when the last look is stale (or
        ``fresh``: now, as after loading one)."""
        if not fresh and self._screener is not None and self._clock() - self._checked_at < self._refresh_seconds:
            return self._screener
        with self._lock:
            with self._sessions() as session:
                records = _records_in_force(session)
                versions = tuple(sorted(record.id for record in records))
                if self._screener is None or versions != self._versions:
                    self._screener = _build(session, records)
                    self._versions = versions
            self._checked_at = self._clock()
            return self._screener


def _records_in_force(session: Session) -> list[ListVersionRecord]:
    try:
        return in_force(session)
    except (OperationalError, ProgrammingError):  # no schema yet: nothing has been loaded
        session.rollback()
        return []


def _build(session: Session, records: list[ListVersionRecord]) -> Screener:
    """The index over ``records``, its vocabulary learnt, frozen out of the garbage collector's reach (the
    previous one given back to it): a long-lived server's queries never pay for a walk over the index, nor
    for a first meeting with a listed word."""
    if not records:
        return default_screener()

    def build() -> Screener:
        return with_native_names(combined(session, records)).learn_vocabulary()

    return built_frozen(build)


def screener_for(url: str | None = None) -> Screener:
    """The screener over the lists in force in the database at ``url`` (default as everywhere), built once.

    A SQLite file that does not exist yet is not created: the bundled list is used.
    """
    resolved = database_url(url)
    if resolved.startswith("sqlite:///") and not Path(resolved.removeprefix("sqlite:///")).exists():
        return default_screener()
    return ListsInForce(session_factory(make_engine(resolved))).screener()
