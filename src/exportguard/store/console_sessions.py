"""Console sign-ins held server-side: opened at sign-in, ended by sign-out, a key change, deactivation,
``IDLE_SECONDS`` without a request or ``LIFETIME_SECONDS`` after sign-in, whichever comes first."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from exportguard.store.tables import ConsoleSession, User

IDLE_SECONDS = 30 * 60
LIFETIME_SECONDS = 8 * 3600
#: A request refreshes the idle clock at most this often, so browsing is not one database write per page.
TOUCH_EVERY_SECONDS = 60


@dataclass(frozen=True)
class OpenSession:
    """A valid sign-in: its user and the CSRF token its forms carry."""

    user: User
    csrf: str
    #: Whether the idle clock is due for a refresh (see :func:`touch`).
    stale: bool


def open_session(session: Session, user_id: int) -> str:
    """Start a sign-in for ``user_id``; returns the token for the browser (only its digest is stored)."""
    token, now = secrets.token_urlsafe(32), _now()
    session.add(ConsoleSession(id=_digest(token), user_id=user_id, csrf=secrets.token_urlsafe(24), created_at=now,
                               last_seen_at=now))
    session.flush()
    return token


def find(session: Session, token: str) -> OpenSession | None:
    """The sign-in behind ``token`` if it is neither ended nor timed out and its user is active."""
    found = session.get(ConsoleSession, _digest(token))
    if found is None or found.revoked_at is not None:
        return None
    now = _now()
    created, seen = _utc(found.created_at), _utc(found.last_seen_at)
    if now - created > timedelta(seconds=LIFETIME_SECONDS) or now - seen > timedelta(seconds=IDLE_SECONDS):
        return None
    user = session.get(User, found.user_id)
    if user is None or not user.active:
        return None
    return OpenSession(user, found.csrf, now - seen > timedelta(seconds=TOUCH_EVERY_SECONDS))


def touch(session: Session, token: str) -> None:
    """Restart the idle clock of the sign-in behind ``token``."""
    session.execute(update(ConsoleSession).where(ConsoleSession.id == _digest(token)).values(last_seen_at=_now()))


def end(session: Session, token: str) -> None:
    """Sign out: the token stops working at once."""
    session.execute(update(ConsoleSession).where(ConsoleSession.id == _digest(token),
                                                 ConsoleSession.revoked_at.is_(None)).values(revoked_at=_now()))


def end_all(session: Session, user_id: int) -> int:
    """End every sign-in of the user (key change, deactivation); returns how many were open."""
    query = select(ConsoleSession).where(ConsoleSession.user_id == user_id, ConsoleSession.revoked_at.is_(None))
    open_ones = list(session.scalars(query))
    for found in open_ones:
        found.revoked_at = _now()
    return len(open_ones)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)
