"""Authentication by API key (header ``X-API-Key``) and role checks for every route.

Roles: ``analyst`` screens, determines and drafts; ``reviewer`` records decisions and
dispositions; ``admin`` manages users and lists. An admin may do anything a role may.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session, sessionmaker

from exportguard.api.errors import ApiError
from exportguard.api.keycache import KeyCache
from exportguard.api.throttle import Throttle
from exportguard.store.groupcommit import AuditWriter
from exportguard.store.screeners import ListsInForce
from exportguard.store.users import KEY_PREFIX, Principal, authenticate

API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key from `exportguard users create`")


async def sessions(request: Request) -> sessionmaker[Session]:
    """The application's session factory."""
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


async def audit_writer(request: Request) -> AuditWriter:
    """The application's group-commit audit writer."""
    writer: AuditWriter = request.app.state.audit_writer
    return writer


async def lists_in_force(request: Request) -> ListsInForce:
    """The screener over the database's lists in force."""
    lists: ListsInForce = request.app.state.lists
    return lists


def read_session(factory: Annotated[sessionmaker[Session], Depends(sessions)]) -> Iterator[Session]:
    """A session for reads, closed after the response."""
    with factory() as session:
        yield session


async def current_principal(
    request: Request, key: Annotated[str | None, Security(API_KEY_HEADER)] = None
) -> Principal:
    """The caller behind ``X-API-Key``; 401 when the key is missing, unknown or revoked, 429 while the
    caller's address is locked out after failed keys (see :mod:`exportguard.api.throttle`)."""
    throttle: Throttle = request.app.state.throttle
    address = client_address(request)
    source = f"api:{address}"
    refuse_while_locked_out(throttle, source, "failed API keys from your address")
    if not key:
        raise ApiError(401, "unauthenticated", "send an API key in the X-API-Key header")
    key = key[:200]
    cache: KeyCache = request.app.state.key_cache
    principal = cache.get(key)
    if principal is None:
        principal = await run_in_threadpool(_verify, request.app.state.sessions, key)
        if principal is None:
            lockout = throttle.failed(source)
            writer: AuditWriter = request.app.state.audit_writer
            await writer.append_async("anonymous", "auth.key_refused", f"client:{address}",
                                      {"key_id": key_id_of(key), "lockout_seconds": lockout})
            raise ApiError(401, "unauthenticated", "the API key is unknown or revoked")
        cache.put(key, principal)
    throttle.succeeded(source)
    return principal


def client_address(request: Request) -> str:
    """The peer's address (behind a proxy: the proxy's, unless uvicorn is told to trust its headers)."""
    return request.client.host if request.client else "unknown"


def refuse_while_locked_out(throttle: Throttle, source: str, what: str) -> None:
    """429 with ``Retry-After`` while ``source`` is locked out."""
    wait = throttle.retry_after(source)
    if wait:
        raise ApiError(429, "too_many_attempts", f"too many {what}; try again in {wait} seconds",
                       {"retry_after": wait}, headers={"Retry-After": str(wait)})


def key_id_of(presented: str) -> str | None:
    """The public key-id part of a presented key, for the audit trail; never the secret."""
    parts = presented.split("_", 2)
    return parts[1][:32] if len(parts) == 3 and parts[0] == KEY_PREFIX and parts[1].isalnum() else None


def _verify(factory: sessionmaker[Session], key: str) -> Principal | None:
    with factory() as session:
        return authenticate(session, key)


def require_role(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that admits callers having one of ``roles`` (or admin) and returns the caller."""
    allowed = frozenset(roles) | {"admin"}

    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in allowed:
            raise ApiError(
                403, "forbidden", f"this action needs the role {' or '.join(sorted(allowed))}",
                {"your_role": principal.role},
            )
        return principal

    return check


Caller = Annotated[Principal, Depends(current_principal)]
Analyst = Annotated[Principal, Depends(require_role("analyst", "reviewer"))]
Reviewer = Annotated[Principal, Depends(require_role("reviewer"))]
Admin = Annotated[Principal, Depends(require_role("admin"))]
ReadSession = Annotated[Session, Depends(read_session)]
Writer = Annotated[AuditWriter, Depends(audit_writer)]
Lists = Annotated[ListsInForce, Depends(lists_in_force)]
Sessions = Annotated[sessionmaker[Session], Depends(sessions)]
