"""Hits of the stored customers (``exportguard customers import`` + ``rescreen``): review, decide, export.

The same queue as ``exportguard hits`` and ``GET /hits``; a decision here is the one ``POST
/hits/{id}/disposition`` records, tied to the listed entry's content as it stands.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from exportguard.matching.model import STRONG_THRESHOLD
from exportguard.store.customer_store import (
    MonitoringError,
    QueuedHit,
    dispose,
    grouped_hit_queue,
    hit_count,
    hit_queue,
    last_unscreenable,
)
from exportguard.store.monitoring import VERDICTS
from exportguard.store.writes import write_transaction
from exportguard.web import exports, session
from exportguard.web.dispositions import DECISIONS
from exportguard.web.templating import render

router = APIRouter()
STATUSES = {"new": "To review", "open": "Confirmed matches", "cleared": "Cleared (false positives)",
            "retired": "Retired (entry left the list)"}
PAGE_SIZE = 50
Status = Annotated[str, Query(pattern="^(new|open|cleared|retired)$")]
COLUMNS = ("hit", "customer_id", "customer", "country", "score", "band", "list", "entry", "entry_key", "matched_name",
           "status", "list_version", "updated_at")


@router.get("/hits")
def stored_hits(request: Request, status: Status = "new", page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                format: Annotated[str, Query(pattern="^(html|csv)$")] = "html") -> Response:
    """The stored customers' hits in one status, grouped per customer and listed entity family, best score first,
    a page of groups at a time (CSV: every hit)."""
    user = session.require(request)
    with request.app.state.sessions() as db:
        if format == "csv":
            rows = [_row(q) for q in hit_queue(db, status, 1_000_000, 0)]
            return exports.csv_response(f"hits-{status}.csv", COLUMNS, rows)
        groups, total_groups = grouped_hit_queue(db, status, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        total = hit_count(db, status)
        unscreenable = last_unscreenable(db)
    shown = [{"label": group.label, "rows": [_row(q) for q in group.hits]} for group in groups]
    return render(request, "hits.html", user, hit_status=status, statuses=STATUSES, groups=shown, page=page,
                  first=(page - 1) * PAGE_SIZE, total_groups=total_groups, total=total,
                  more=page * PAGE_SIZE < total_groups, decisions=DECISIONS, unscreenable=unscreenable)


@router.post("/hits/{hit_id}/disposition")
def decide(request: Request, hit_id: int, csrf: Annotated[str, Form(max_length=100)],
           verdict: Annotated[str, Form(max_length=20)], reason: Annotated[str, Form(min_length=3, max_length=2000)],
           status: Annotated[str, Form(max_length=10)] = "new") -> Response:
    """Confirm or clear one stored customer's hit (reviewer); audited as the API's disposition is."""
    user = session.require(request, "reviewer")
    session.check_csrf(user, csrf)
    if verdict not in VERDICTS:
        raise HTTPException(422, f"verdict must be one of {', '.join(VERDICTS)}")
    try:
        with write_transaction(request.app.state.sessions) as db:
            dispose(db, hit_id, verdict, reason.strip(), user.name)
    except MonitoringError as error:
        raise HTTPException(404, str(error)) from error
    return RedirectResponse(f"/console/hits?status={status if status in STATUSES else 'new'}", 303)


def _row(queued: QueuedHit) -> dict[str, Any]:
    hit, customer, entry = queued.hit, queued.customer, queued.entry
    return {"hit": hit.id, "customer_id": customer.external_ref, "customer": customer.name,
            "country": customer.country or "", "score": round(hit.score, 4),
            "band": "strong" if hit.score >= STRONG_THRESHOLD else "review", "list": hit.entry_key.split(":", 1)[0],
            "entry": entry.name if entry else "", "entry_key": hit.entry_key, "matched_name": hit.matched_name,
            "status": hit.status, "list_version": hit.list_version,
            "updated_at": hit.updated_at.strftime("%Y-%m-%d %H:%M"),
            "address": entry.addresses[0] if entry and entry.addresses else "",
            "entry_countries": ", ".join(entry.countries) if entry else "", "features": hit.features}
