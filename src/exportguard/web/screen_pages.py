"""Screen a name, read each hit's evidence, and record a disposition that is remembered."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from exportguard.api.limits import MAX_TEXT
from exportguard.matching.model import Hit
from exportguard.matching.screener import Screener, ScreeningInputError
from exportguard.store.writes import write_transaction
from exportguard.web import dispositions, session
from exportguard.web.templating import render

router = APIRouter()

Name = Annotated[str, Query(max_length=MAX_TEXT)]
Country = Annotated[str, Query(max_length=2)]


@router.get("/screen")
def screen_page(request: Request, name: Name = "", country: Country = "") -> Response:
    """The screening form and, for a name, its hits split into open ones and ones already dispositioned."""
    user = session.require(request)
    context: dict[str, Any] = {"name": name, "country": country.upper(), "decisions": dispositions.DECISIONS}
    if not name.strip():
        return render(request, "screen.html", user, **context)
    screener: Screener = request.app.state.lists.screener()
    try:
        hits = _screen(screener, name, country)
    except ScreeningInputError as error:
        return render(request, "screen.html", user, status=422, error=str(error), **context)
    with request.app.state.sessions() as db:
        decided = dispositions.current(db, dispositions.party_key(name, country), hits)
    request.app.state.audit_writer.append(user.name, "screen", f"party:{name[:200]}",
                                          _audit_summary(screener, hits, country))
    return render(request, "screen.html", user, hits=[h for h in hits if h.party.key not in decided],
                  decided=[(h, decided[h.party.key]) for h in hits if h.party.key in decided],
                  list_version=screener.list_version, **context)


@router.post("/screen/disposition")
def disposition(
    request: Request, csrf: Annotated[str, Form(max_length=100)], name: Annotated[str, Form(max_length=MAX_TEXT)],
    entry_key: Annotated[str, Form(max_length=100)], decision: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(min_length=3, max_length=2000)], country: Annotated[str, Form(max_length=2)] = "",
) -> Response:
    """Record a reviewer's decision on one hit, then show the screening again (post/redirect/get)."""
    user = session.require(request, "reviewer")
    session.check_csrf(user, csrf)
    if decision not in dispositions.DECISIONS:
        raise HTTPException(422, f"decision must be one of {', '.join(dispositions.DECISIONS)}")
    hit = next((h for h in _screen(request.app.state.lists.screener(), name, country) if h.party.key == entry_key), None)
    if hit is None:
        raise HTTPException(409, f"{entry_key} is no longer a hit for {name!r}; screen again")
    with write_transaction(request.app.state.sessions) as db:
        dispositions.record(db, user.name, hit.party, dispositions.party_key(name, country), decision, reason.strip())
    return RedirectResponse(f"/console/screen?{urlencode({'name': name, 'country': country})}", 303)


def _screen(screener: Screener, name: str, country: str) -> list[Hit]:
    return screener.screen(name, country.upper() or None, limit=20)


def _audit_summary(screener: Screener, hits: list[Hit], country: str) -> dict[str, object]:
    return {"country": country, "list_version": screener.list_version,
            "hits": [{"entry_key": h.party.key, "score": round(h.score, 4)} for h in hits]}
