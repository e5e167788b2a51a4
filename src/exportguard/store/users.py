"""Creating users and API keys, and resolving a presented key to its user.

A key reads ``eg_<key id>_<secret>``. Only a per-key salt and SHA-256(salt + secret) are
stored, so a copy of the database does not let anyone call the API.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from exportguard.store import audit, console_sessions
from exportguard.store.tables import ROLES, ApiKey, User

KEY_PREFIX = "eg"


class UserError(ValueError):
    """A user or key request that cannot be carried out (unknown role, duplicate name)."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: who they are and what role they act in."""

    user_id: int
    name: str
    role: str


def create_user(session: Session, name: str, role: str, actor: str) -> tuple[User, str]:
    """Add a user with a first API key; returns the user and the key, which is never shown again."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if session.scalars(select(User).where(User.name == name)).first() is not None:
        raise UserError(f"a user named {name!r} already exists")
    user = User(name=name, role=role, active=True, created_at=_now(), created_by=actor)
    session.add(user)
    session.flush()
    audit.append(session, actor, "user.create", f"user:{user.id}", {"name": name, "role": role})
    return user, issue_key(session, user, actor)


def issue_key(session: Session, user: User, actor: str) -> str:
    """A new API key for ``user``; only its salted digest is stored."""
    key_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_hex(16)
    session.add(ApiKey(key_id=key_id, salt=salt, digest=_digest(salt, secret), user=user, created_at=_now()))
    session.flush()
    audit.append(session, actor, "api_key.issue", f"user:{user.id}", {"key_id": key_id})
    return f"{KEY_PREFIX}_{key_id}_{secret}"


def authenticate(session: Session, presented: str) -> Principal | None:
    """The active user owning ``presented``, or None for any unknown, revoked or malformed key."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = session.scalars(select(ApiKey).where(ApiKey.key_id == parts[1], ApiKey.revoked.is_(False))).first()
    if key is None or not hmac.compare_digest(key.digest, _digest(key.salt, parts[2])):
        return None
    user = key.user
    return Principal(user.id, user.name, user.role) if user.active else None


def deactivate_user(session: Session, name: str, actor: str) -> User:
    """Switch a user off: their keys stop working (within the API's 30-second key cache), their console
    sessions at once."""
    user = session.scalars(select(User).where(User.name == name).with_for_update()).first()
    if user is None:
        raise UserError(f"no user named {name!r}")
    user.active = False
    ended = console_sessions.end_all(session, user.id)
    audit.append(session, actor, "user.deactivate", f"user:{user.id}", {"name": name, "sessions_ended": ended})
    return user


def rotate_key(session: Session, name: str, actor: str) -> str:
    """Revoke every key of the user, issue a new one and end their console sessions; returns the new key."""
    user = session.scalars(select(User).where(User.name == name, User.active.is_(True)).with_for_update()).first()
    if user is None:
        raise UserError(f"no active user named {name!r}")
    revoked = [key.key_id for key in user.keys if not key.revoked]
    for key in user.keys:
        key.revoked = True
    ended = console_sessions.end_all(session, user.id)
    audit.append(session, actor, "api_key.rotate", f"user:{user.id}",
                 {"revoked_key_ids": revoked, "sessions_ended": ended})
    return issue_key(session, user, actor)


def one_pair_of_eyes(session: Session, author: str, approver: str) -> bool:
    """Whether ``approver`` counts as ``author`` for four-eyes: the same account, or one of the two created
    the other — an admin could otherwise approve their own record through an account they made for it."""
    if author == approver:
        return True
    creators = dict(session.execute(select(User.name, User.created_by).where(User.name.in_([author, approver]))).all())
    return creators.get(approver) == author or creators.get(author) == approver


def list_users(session: Session) -> list[User]:
    """Every user, oldest first."""
    return list(session.scalars(select(User).order_by(User.id)))


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256((salt + secret).encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)
