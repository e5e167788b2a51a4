"""The analyst console: server-rendered pages under ``/console``, sign-in by user name and API key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import Response

from exportguard.store.users import Principal, authenticate
from exportguard.web import (
    batch_pages,
    check_pages,
    hit_pages,
    license_pages,
    list_pages,
    screen_pages,
    session,
    tariff_pages,
)
from exportguard.web.templating import render

STATIC = Path(__file__).parent / "static"
STATIC_FILES = {path.name: path for path in STATIC.iterdir() if path.suffix in {".css", ".js"}}

router = APIRouter(prefix="/console", include_in_schema=False)
router.include_router(screen_pages.router)
router.include_router(batch_pages.router)
router.include_router(check_pages.router)
router.include_router(license_pages.router)
router.include_router(list_pages.router)
router.include_router(tariff_pages.router)
router.include_router(hit_pages.router)

Field = Annotated[str, Form(max_length=500)]


@router.get("")
def home(request: Request) -> Response:
    session.require(request)
    return RedirectResponse("/console/screen", 303)


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    if name not in STATIC_FILES:
        raise HTTPException(404, f"no static file {name}")
    return FileResponse(STATIC_FILES[name], headers={"Cache-Control": "max-age=300"})


@router.get("/login")
def login_form(request: Request) -> Response:
    return render(request, "login.html", None)


@router.post("/login")
def login(request: Request, name: Field, api_key: Field) -> Response:
    """Sign in with a user name and that user's API key; one message for every failure."""
    principal = _verify(request.app.state.sessions, api_key.strip())
    if principal is None or principal.name != name.strip():
        return render(request, "login.html", None, status=401, error="Unknown user name or API key.", name=name)
    request.app.state.audit_writer.append(principal.name, "console.login", f"user:{principal.user_id}", {})
    response = RedirectResponse("/console/screen", 303)
    session.start(response, principal, secure=request.url.scheme == "https")
    return response


@router.post("/logout")
def logout(request: Request, csrf: Field) -> Response:
    session.check_csrf(session.require(request), csrf)
    response = RedirectResponse("/console/login", 303)
    session.end(response)
    return response


def _verify(factory: sessionmaker[Session], key: str) -> Principal | None:
    with factory() as db:
        return authenticate(db, key)
