"""``/users``: admins add users; each new user's API key is returned once and never again."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import Field
from sqlalchemy import select

from exportguard.api.auth import Admin, ReadSession, Sessions
from exportguard.api.errors import ApiError
from exportguard.api.schemas import Strict
from exportguard.api.views import NewUserOut, UserOut
from exportguard.store.tables import User
from exportguard.store.users import UserError, create_user, deactivate_user, list_users, rotate_key
from exportguard.store.writes import write_transaction

router = APIRouter(prefix="/users", tags=["users"])
UserName = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.@-]{1,100}$")]


class UserIn(Strict):
    """A new user and the role they act in."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.@-]{1,100}$")]
    role: Literal["analyst", "reviewer", "admin"]


@router.post("", status_code=201, summary="Add a user and issue their first API key", response_model=NewUserOut)
def add_user(request: UserIn, caller: Admin, factory: Sessions) -> dict[str, Any]:
    """The response holds the API key in clear; it is stored only as a salted hash."""
    try:
        with write_transaction(factory) as session:
            user, key = create_user(session, request.name, request.role, caller.name)
            return {"id": user.id, "name": user.name, "role": user.role, "api_key": key}
    except UserError as error:
        raise ApiError(409, "conflict", str(error)) from error


@router.post(
    "/{name}/deactivate", summary="Switch a user off; their keys stop working within 30 seconds, sessions at once",
    response_model=UserOut,
)
def deactivate(name: UserName, caller: Admin, factory: Sessions, request: Request) -> dict[str, Any]:
    try:
        with write_transaction(factory) as session:
            user = deactivate_user(session, name, caller.name)
            deactivated = {"id": user.id, "name": user.name, "role": user.role, "active": user.active}
    except UserError as error:
        raise ApiError(404, "not_found", str(error)) from error
    request.app.state.key_cache.clear()
    return deactivated


@router.post(
    "/{name}/rotate-key", summary="Revoke a user's keys and console sessions and issue a new key",
    response_model=NewUserOut,
)
def rotate(name: UserName, caller: Admin, factory: Sessions, request: Request) -> dict[str, Any]:
    """For a key that may have leaked: the old keys stop at once in this process (within 30 seconds in
    other worker processes), the user's console sessions end at once. The new key is shown this once."""
    try:
        with write_transaction(factory) as session:
            key = rotate_key(session, name, caller.name)
            user = session.scalars(select(User).where(User.name == name)).one()
            created = {"id": user.id, "name": user.name, "role": user.role, "api_key": key}
    except UserError as error:
        raise ApiError(404, "not_found", str(error)) from error
    request.app.state.key_cache.clear()
    return created


@router.get("", summary="List users", response_model=list[UserOut])
def users(_caller: Admin, session: ReadSession) -> list[dict[str, Any]]:
    return [{"id": u.id, "name": u.name, "role": u.role, "active": u.active} for u in list_users(session)]
