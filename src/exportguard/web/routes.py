"""The analyst console: server-rendered pages under ``/console``, sign-in by user name and API key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import Response

from exportguard.api.auth import client_address, key_id_of
from exportguard.api.throttle import Throttle
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
    """Sign in with a user name and that user's API key; one message for every failure.

    Failures are audited and counted by address and by user name: after five in a row both are locked
    out with a growing wait (429 with ``Retry-After``), during which even the right key is not checked.
    """
    throttle: Throttle = request.app.state.throttle
    sources = (f"login:{client_address(request)}", f"login-user:{name.strip()[:100]}")
    wait = max(throttle.retry_after(source) for source in sources)
    if wait:
        return render(request, "login.html", None, status=429, name=name, headers={"Retry-After": str(wait)},
                      error=f"Too many failed sign-ins. Try again in {wait} seconds.")
    principal = _verify(request.app.state.sessions, api_key.strip())
    writer = request.app.state.audit_writer
    if principal is None or principal.name != name.strip():
        lockout = max(throttle.failed(source) for source in sources)
        writer.append("anonymous", "console.login_failed", f"client:{client_address(request)}",
                      {"name": name.strip()[:100], "key_id": key_id_of(api_key.strip()), "lockout_seconds": lockout})
        return render(request, "login.html", None, status=401, error="Unknown user name or API key.", name=name)
    for source in sources:
        throttle.succeeded(source)
    writer.append(principal.name, "console.login", f"user:{principal.user_id}", {})
    response = RedirectResponse("/console/screen", 303)
    session.start(request, response, principal)
    return response


@router.post("/logout")
def logout(request: Request, csrf: Field) -> Response:
    user = session.require(request)
    session.check_csrf(user, csrf)
    response = RedirectResponse("/console/login", 303)
    session.end(request, response)
    request.app.state.audit_writer.append(user.name, "console.logout", f"user:{user.user_id}", {})
    return response


def _verify(factory: sessionmaker[Session], key: str) -> Principal | None:
    with factory() as db:
        return authenticate(db, key)
