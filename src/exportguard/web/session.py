"""Browser sessions: a signed, HttpOnly, SameSite=Strict cookie naming the user, and a CSRF token per session.

The cookie carries only the user id, a CSRF token and an expiry, signed with HMAC-SHA256. The user is
re-read on every request, so deactivating a user ends their console sessions at once. Set
``EXPORTGUARD_SESSION_SECRET`` so sessions survive restarts and are shared by several workers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request, Response
from sqlalchemy.orm import Session, sessionmaker

from exportguard.store.tables import User
from exportguard.store.users import Principal

COOKIE = "eg_session"
SECRET_ENV = "EXPORTGUARD_SESSION_SECRET"
LIFETIME_SECONDS = 8 * 3600
_SECRET = (os.environ.get(SECRET_ENV) or secrets.token_hex(32)).encode()


@dataclass(frozen=True)
class WebPrincipal(Principal):
    """A signed-in console user and the CSRF token their forms must carry."""

    csrf: str


def _sign(payload: bytes) -> str:
    return hmac.new(_SECRET, payload, hashlib.sha256).hexdigest()


def encode(fields: dict[str, Any]) -> str:
    """The cookie value: base64 JSON and its signature."""
    payload = base64.urlsafe_b64encode(json.dumps(fields, separators=(",", ":")).encode())
    return f"{payload.decode()}.{_sign(payload)}"


def decode(value: str) -> dict[str, Any] | None:
    """The cookie's fields, or None when unsigned, tampered with or expired."""
    payload, _, signature = value.partition(".")
    if not signature or not hmac.compare_digest(signature, _sign(payload.encode())):
        return None
    fields: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload))  # signed by us: well-formed
    return fields if fields.get("exp", 0) > time.time() else None


def start(response: Response, principal: Principal, secure: bool) -> None:
    """Sign ``principal`` in on ``response``."""
    fields = {"uid": principal.user_id, "csrf": secrets.token_urlsafe(24), "exp": time.time() + LIFETIME_SECONDS}
    response.set_cookie(COOKIE, encode(fields), max_age=LIFETIME_SECONDS, httponly=True, samesite="strict",
                        secure=secure, path="/")


def end(response: Response) -> None:
    """Sign out."""
    response.delete_cookie(COOKIE, path="/")


def signed_in(request: Request) -> WebPrincipal | None:
    """The active user behind the session cookie, if any."""
    fields = decode(request.cookies.get(COOKIE, "")[:2000])
    if fields is None:
        return None
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session:
        user = session.get(User, fields["uid"])
        if user is None or not user.active:
            return None
        return WebPrincipal(user.id, user.name, user.role, fields["csrf"])


def require(request: Request, *roles: str) -> WebPrincipal:
    """The signed-in user holding one of ``roles`` (any role when none given; admin always passes)."""
    user = signed_in(request)
    if user is None:
        raise HTTPException(303, "sign in first", headers={"Location": "/console/login"})
    if roles and user.role not in {*roles, "admin"}:
        raise HTTPException(403, f"this page needs the role {' or '.join(sorted({*roles, 'admin'}))}")
    return user


def check_csrf(user: WebPrincipal, token: str) -> None:
    """Refuse a form post that does not carry the session's CSRF token."""
    if not hmac.compare_digest(user.csrf, token):
        raise HTTPException(403, "the form is stale or was not sent by this console; reload and try again")
