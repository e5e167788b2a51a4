"""The server's scheduled list refresh: `lists fetch --then-rescreen` every few hours, off by default.

``EXPORTGUARD_REFRESH_HOURS`` (a number of hours; unset or 0: off) turns it on. Each run is audited as
``lists.refresh`` with what every source did and the re-screen's counts; the latest such record is the
"last attempt" the status endpoint and the console show. With several server processes, a process
skips a run when another one recorded a run within the period.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from exportguard.batch.runner import LocalRunner
from exportguard.lists.sources import fetchable
from exportguard.store import audit
from exportguard.store.base import transaction
from exportguard.store.customer_store import rescreen_customers
from exportguard.store.list_fetch import cache_dir, fetch_lists
from exportguard.store.screeners import ListsInForce

SCHEDULE_SETTING = "EXPORTGUARD_REFRESH_HOURS"
ACTION = "lists.refresh"
ACTOR = "scheduler"


def refresh_hours() -> float:
    """The configured period in hours; 0 when the schedule is off."""
    try:
        return max(0.0, float(os.environ.get(SCHEDULE_SETTING, "0") or 0))
    except ValueError:
        return 0.0


def refresh_once(sessions: sessionmaker[Session], lists: ListsInForce | None = None) -> dict[str, Any]:
    """Fetch every source, delta re-screen when a list changed, and audit the run; returns its record.

    ``lists``: the server's screener over the lists in force, brought up to the versions just loaded and
    screened with by the re-screen, so the new versions are indexed once for both."""
    started = datetime.now(UTC)
    try:
        outcomes = [outcome.to_dict() for outcome in fetch_lists(sessions, fetchable(), ACTOR, cache_dir())]
        rescreen = None
        if any(outcome["outcome"] == "loaded" for outcome in outcomes):
            screener = lists.screener(fresh=True) if lists is not None else None
            with transaction(sessions) as session:
                rescreen = rescreen_customers(session, ACTOR, LocalRunner(processes=1), screener=screener).counts()
        worst = "ok" if all(o["outcome"] in ("loaded", "unchanged") for o in outcomes) else "attention"
        record = {"started_at": started, "outcome": worst, "sources": outcomes, "rescreen": rescreen}
    except Exception as exc:
        record = {"started_at": started, "outcome": "error", "error": f"{type(exc).__name__}: {exc}"}
    with transaction(sessions) as session:
        audit.append(session, ACTOR, ACTION, "lists", record)
    return record


def last_refresh(session: Session) -> dict[str, Any] | None:
    """The latest scheduled (or manual `lists fetch`) refresh run on record, or None."""
    query = select(audit.AuditRecord).where(audit.AuditRecord.action == ACTION).order_by(audit.AuditRecord.id.desc())
    found = session.scalars(query.limit(1)).first()
    return {"at": found.at, **found.details} if found else None


def schedule_status(session: Session) -> dict[str, Any]:
    """Whether the schedule is on, its period, and the last run with its outcome."""
    hours = refresh_hours()
    return {"enabled": hours > 0, "every_hours": hours or None, "setting": SCHEDULE_SETTING,
            "last": last_refresh(session)}


class RefreshSchedule:
    """A daemon thread running :func:`refresh_once` every ``hours``."""

    def __init__(self, sessions: sessionmaker[Session], hours: float, lists: ListsInForce | None = None):
        self._sessions = sessions
        self._lists = lists
        self._period = timedelta(hours=hours)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="exportguard-refresh", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._due():
                refresh_once(self._sessions, self._lists)
            self._stop.wait(min(self._period.total_seconds(), 600))

    def _due(self) -> bool:
        with self._sessions() as session:
            last = last_refresh(session)
        if last is None:
            return True
        at = last["at"] if last["at"].tzinfo else last["at"].replace(tzinfo=UTC)
        return datetime.now(UTC) - at >= self._period
