"""Screen a name, read each hit's evidence, and record a disposition that is remembered (and can be undone)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import func, select
from starlette.responses import Response

from exportguard.api.limits import MAX_TEXT
from exportguard.lists.freshness import dated_lists
from exportguard.matching.model import Hit
from exportguard.matching.screener import Screener, ScreeningInputError
from exportguard.store.audit import AuditRecord
from exportguard.store.writes import write_transaction
from exportguard.web import dispositions, exports, session
from exportguard.web.templating import render

router = APIRouter()

Name = Annotated[str, Query(max_length=MAX_TEXT)]
Country = Annotated[str, Query(max_length=2)]
FormName = Annotated[str, Form(max_length=MAX_TEXT)]
FormCountry = Annotated[str, Form(max_length=2)]
Csrf = Annotated[str, Form(max_length=100)]
EntryKey = Annotated[str, Form(max_length=120)]
#: Hits screened per name; the table shows them a page at a time.
SCREEN_LIMIT = 50
PAGE_SIZE = 15
SORTS = {"score": lambda h: -h.score, "list": lambda h: (h.party.list_code, -h.score),
         "name": lambda h: h.party.name.casefold()}
RESULT_COLUMNS = ("query", "country", "score", "band", "list", "entry", "entry_key", "matched_name",
                  "countries", "federal_register", "license_requirement", "license_policy", "explanation",
                  "decision", "reason", "decided_by", "decided_at", "list_version")
HISTORY_COLUMNS = ("at", "actor", "event", "entry", "entry_key", "decision", "reason", "hits")


@router.get("/screen")
def screen_page(request: Request, name: Name = "", country: Country = "",
                list_code: Annotated[str, Query(max_length=10)] = "",
                sort: Annotated[str, Query(pattern="^(score|list|name)$")] = "score",
                page: Annotated[int, Query(ge=1, le=100)] = 1) -> Response:
    """The screening form and, for a name, a table of open hits (sortable, filterable by list, paged) and the
    hits already dispositioned."""
    user = session.require(request)
    context: dict[str, Any] = {"name": name, "country": country.upper(), "decisions": dispositions.DECISIONS,
                               "list_code": list_code.upper(), "sort": sort}
    if not name.strip():
        return render(request, "screen.html", user, **context)
    screener: Screener = request.app.state.lists.screener()
    try:
        screening = screener.screening(name, country.upper() or None, limit=SCREEN_LIMIT)
    except ScreeningInputError as error:
        return render(request, "screen.html", user, status=422, error=str(error), **context)
    hits = screening.hits
    labels = {group.best.party.key: group.label for group in screening.groups}
    with request.app.state.sessions() as db:
        decided = dispositions.current(db, dispositions.party_key(name, country), hits)
    request.app.state.audit_writer.append(user.name, "screen", f"party:{name[:200]}",
                                          _audit_summary(screener, hits, country))
    open_hits = sorted((h for h in hits if h.party.key not in decided), key=SORTS[sort])
    shown = [h for h in open_hits if not context["list_code"] or h.party.list_code == context["list_code"]]
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    page = min(page, pages)
    query = {"name": name, "country": country.upper(), "list_code": context["list_code"], "sort": sort}
    return render(request, "screen.html", user, hits=shown[(page - 1) * PAGE_SIZE: page * PAGE_SIZE],
                  open_total=len(open_hits), shown_total=len(shown), page=page, pages=pages, query=query,
                  lists=sorted({h.party.list_code for h in open_hits}),
                  decided=[(h, decided[h.party.key]) for h in hits if h.party.key in decided],
                  list_version=screener.list_version, dated=dated_lists(screener.snapshot),
                  summary=screening.summary, possible=screening.possible[:5], group_labels=labels, **context)


@router.get("/screen/export.csv")
def export_results(request: Request, name: Name, country: Country = "") -> Response:
    """Every hit for the name (open and dispositioned) as CSV, with the disposition in force."""
    session.require(request)
    try:
        hits = _screen(request.app.state.lists.screener(), name, country)
    except ScreeningInputError as error:
        raise HTTPException(422, str(error)) from error
    with request.app.state.sessions() as db:
        decided = dispositions.current(db, dispositions.party_key(name, country), hits)
    rows = [_result_row(name, country, hit, decided.get(hit.party.key)) for hit in hits]
    return exports.csv_response("screening.csv", RESULT_COLUMNS, rows)


@router.post("/screen/disposition")
def disposition(request: Request, csrf: Csrf, name: FormName, entry_key: EntryKey,
                decision: Annotated[str, Form(max_length=20)],
                reason: Annotated[str, Form(min_length=3, max_length=2000)], country: FormCountry = "") -> Response:
    """Record a reviewer's decision on one hit. The console's script asks for JSON and updates the row in
    place; without it the screening is shown again (post/redirect/get)."""
    user = session.require(request, "reviewer")
    session.check_csrf(user, csrf)
    if decision not in dispositions.DECISIONS:
        raise HTTPException(422, f"decision must be one of {', '.join(dispositions.DECISIONS)}")
    hit = next((h for h in _screen(request.app.state.lists.screener(), name, country) if h.party.key == entry_key), None)
    if hit is None:
        raise HTTPException(409, f"{entry_key} is no longer a hit for {name!r}; screen again")
    with write_transaction(request.app.state.sessions) as db:
        dispositions.record(db, user.name, hit.party, dispositions.party_key(name, country), decision, reason.strip())
    if _wants_json(request):
        return JSONResponse({"entry_key": entry_key, "entry": hit.party.name, "decision": decision,
                             "label": dispositions.DECISIONS[decision], "reason": reason.strip(), "by": user.name})
    return RedirectResponse(f"/console/screen?{urlencode({'name': name, 'country': country})}#decided", 303)


@router.post("/screen/undo")
def undo(request: Request, csrf: Csrf, name: FormName, entry_key: EntryKey, country: FormCountry = "") -> Response:
    """Withdraw the disposition in force for the party and entry: the hit is open again; both stay on record."""
    user = session.require(request, "reviewer")
    session.check_csrf(user, csrf)
    try:
        with write_transaction(request.app.state.sessions) as db:
            dispositions.undo(db, user.name, dispositions.party_key(name, country), entry_key,
                              f"undone by {user.name} from the screening page")
    except LookupError as error:
        raise HTTPException(409, str(error)) from error
    if _wants_json(request):
        return JSONResponse({"entry_key": entry_key, "undone": True})
    return RedirectResponse(f"/console/screen?{urlencode({'name': name, 'country': country})}", 303)


@router.get("/history")
def party_history(request: Request, name: Name, country: Country = "",
                  format: Annotated[str, Query(pattern="^(html|csv)$")] = "html") -> Response:
    """A party's screening record: every screening of the name and every disposition (and undo) on it,
    oldest first, printable and exportable (15 CFR 762.2 and 762.6 keep these for five years)."""
    user = session.require(request)
    screened = dispositions.party_key(name, country)
    names = _entry_names(request.app.state.lists.screener())
    with request.app.state.sessions() as db:
        events = _screenings(db, name, country.upper()) + [
            {"at": d.at, "actor": d.actor, "event": "disposition", "entry": names.get(d.entry_key, ""),
             "entry_key": d.entry_key, "decision": dispositions.HISTORY_LABELS.get(d.decision, d.decision),
             "reason": d.reason, "hits": "", "id": d.record_id} for d in dispositions.history(db, screened)]
    events.sort(key=lambda e: (e["at"], e["id"]))
    if format == "csv":
        return exports.csv_response("party-history.csv", HISTORY_COLUMNS, events)
    return render(request, "history.html", user, name=name, country=country.upper(), events=events,
                  query=urlencode({"name": name, "country": country.upper()}))


def _screenings(db: Any, name: str, country: str) -> list[dict[str, Any]]:
    """The audited screenings of the name (case- and space-insensitive) in the same country."""
    wanted = " ".join(name.casefold().split())
    query = (select(AuditRecord).where(AuditRecord.action == "screen",
                                       func.lower(AuditRecord.subject) == f"party:{name[:200]}".lower())
             .order_by(AuditRecord.id))
    return [{"at": row.at.strftime("%Y-%m-%d %H:%M"), "actor": row.actor, "event": "screening", "entry": "",
             "entry_key": "", "decision": "", "reason": f"lists {row.details.get('list_version', '')}",
             "hits": len(row.details.get("hits", [])), "id": row.id}
            for row in db.scalars(query)
            if row.details.get("country", "").upper() == country and " ".join(row.subject[6:].casefold().split()) == wanted]


def _entry_names(screener: Screener) -> dict[str, str]:
    return {party.key: party.name for party in screener.parties}


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _screen(screener: Screener, name: str, country: str) -> list[Hit]:
    return screener.screen(name, country.upper() or None, limit=SCREEN_LIMIT)


def _result_row(name: str, country: str, hit: Hit, decided: dispositions.Disposition | None) -> dict[str, Any]:
    party = hit.party
    return {"query": name, "country": country.upper(), "score": round(hit.score, 4), "band": hit.band,
            "list": party.list_code, "entry": party.name, "entry_key": party.key, "matched_name": hit.matched_name,
            "countries": party.countries, "federal_register": party.federal_register_notice,
            "license_requirement": party.license_requirement, "license_policy": party.license_policy,
            "explanation": hit.explanation.replace("\n", "; "), "decision": decided.decision if decided else "",
            "reason": decided.reason if decided else "", "decided_by": decided.actor if decided else "",
            "decided_at": decided.at if decided else "", "list_version": hit.list_version}


def _audit_summary(screener: Screener, hits: list[Hit], country: str) -> dict[str, object]:
    return {"country": country, "list_version": screener.list_version,
            "hits": [{"entry_key": h.party.key, "score": round(h.score, 4)} for h in hits]}
