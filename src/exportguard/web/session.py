"""Browser sessions: an HttpOnly, SameSite=Strict cookie holding a random token, and a CSRF token per session.

The sign-in itself is held server-side (:mod:`exportguard.store.console_sessions`): signing out, a key
change or deactivating the user ends it at once, and it ends by itself after 30 idle minutes or 8 hours.
The cookie holds only the token, whose SHA-256 is what the database stores.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from fastapi import HTTPException, Request, Response
from sqlalchemy.orm import Session, sessionmaker

from exportguard.store import console_sessions
from exportguard.store.users import Principal
from exportguard.store.writes import write_transaction

COOKIE = "eg_session"
LIFETIME_SECONDS = console_sessions.LIFETIME_SECONDS
#: What :func:`console_sessions.open_session` hands out; anything else is not looked up at all.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class WebPrincipal(Principal):
    """A signed-in console user and the CSRF token their forms must carry."""

    csrf: str


def start(request: Request, response: Response, principal: Principal) -> None:
    """Sign ``principal`` in on ``response``."""
    with write_transaction(_factory(request)) as db:
        token = console_sessions.open_session(db, principal.user_id)
    response.set_cookie(COOKIE, token, max_age=LIFETIME_SECONDS, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


def end(request: Request, response: Response) -> None:
    """Sign out: the session ends in the database, not only in this browser."""
    token = _token(request)
    if token:
        with write_transaction(_factory(request)) as db:
            console_sessions.end(db, token)
    response.delete_cookie(COOKIE, path="/")


def signed_in(request: Request) -> WebPrincipal | None:
    """The active user behind the session cookie, if the session is still open."""
    token = _token(request)
    if token is None:
        return None
    with _factory(request)() as db:
        found = console_sessions.find(db, token)
    if found is None:
        return None
    if found.stale:
        with write_transaction(_factory(request)) as db:
            console_sessions.touch(db, token)
    return WebPrincipal(found.user.id, found.user.name, found.user.role, found.csrf)


def require(request: Request, *roles: str) -> WebPrincipal:
    """The signed-in user holding one of ``roles`` (any role when none given; admin always passes)."""
    user = signed_in(request)
    if user is None:
        raise HTTPException(303, "sign in first", headers={"Location": "/console/login"})
    if roles and user.role not in {*roles, "admin"}:
        raise HTTPException(403, f"this page needs the role {' or '.join(sorted({*roles, 'admin'}))}")
    return user


def check_csrf(user: WebPrincipal, token: str) -> None:
    """Refuse a form post that does not carry the session's CSRF token (any text compares safely)."""
    if not hmac.compare_digest(user.csrf.encode(), token.encode("utf-8", "replace")):
        raise HTTPException(403, "the form is stale or was not sent by this console; reload and try again")


def _token(request: Request) -> str | None:
    token = request.cookies.get(COOKIE, "")
    return token if _TOKEN.match(token) else None


def _factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory
