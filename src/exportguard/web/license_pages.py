"""Applications and licenses: drafted, opened and moved through their lifecycle; balances and shipments.

The forms are validated by the API's own request models, so the console accepts exactly what the API does.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from exportguard.api.errors import ApiError
from exportguard.api.routes.applications import ApplicationDraft, application_fields
from exportguard.api.routes.licenses import LicenseIn, issue_recorded
from exportguard.licenses import balance, deadlines
from exportguard.licenses.lifecycle import DECISIONS, IllegalTransition, State, allowed_after
from exportguard.licenses.status import STATUS_CHANGES, StatusChangeRefused
from exportguard.store import applications, license_ops
from exportguard.store.licensing import Application, License
from exportguard.store.writes import write_transaction
from exportguard.web import session
from exportguard.web.templating import render

router = APIRouter()
Line = Annotated[str, Form(max_length=100)]
Text = Annotated[str, Form(max_length=500)]
Lines = Annotated[str, Form(max_length=20_000)]
#: Statuses a shipment can no longer be charged against (15 CFR 750.7, 750.8; 736.2(b)(10)).
NOT_SHIPPABLE = frozenset({"exhausted", "suspended", "revoked", "expired"})
DECIDERS = frozenset({"reviewer", "admin"})
#: A record id in a path: beyond it no row exists, and the databases' integers overflow.
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: The largest amount a shipment may carry, in dollars (as the API's ``Money``).
MAX_DOLLARS = Decimal(10**12)


@router.get("/licenses")
def overview(request: Request) -> Response:
    """Every open application with its next deadline, and every license with what is left on it."""
    user = session.require(request)
    today = date.today()
    with request.app.state.sessions() as db:
        apps = [_application_row(found, today) for found in applications.list_applications(db, None, 500, 0)]
        licenses = [_license_row(found) for found in db.scalars(select(License).order_by(License.id.desc()))]
    return render(request, "licenses.html", user, applications=apps, licenses=licenses, today=today,
                  form={}, license_form={})


@router.post("/applications")
def draft_application(request: Request, csrf: Line, title: Text, applicant: Text, destination: Line,
                      parties: Lines, items: Lines, end_use: Lines = "", drafted_on: Line = "") -> Response:
    """Draft an application from the form (parties ``name; role; country``, items ``ECCN; description;
    quantity; value``); it opens on its own page."""
    user = session.require(request, "analyst", "reviewer")
    session.check_csrf(user, csrf)
    form = {"title": title, "applicant": applicant, "destination": destination, "parties": parties, "items": items,
            "end_use": end_use, "drafted_on": drafted_on}
    try:
        draft = ApplicationDraft.model_validate({
            "title": title.strip(), "applicant": applicant.strip(), "destination": destination.strip().upper(),
            "end_use": end_use.strip(), "parties": _parties(parties), "items": _items(items),
            **({"drafted_on": drafted_on} if drafted_on else {})})
    except (ValidationError, ValueError) as error:
        return _overview_with_error(request, user, _problem(error), form=form)
    with write_transaction(request.app.state.sessions) as db:
        created = applications.create_application(db, application_fields(draft), user.name,
                                                  draft.drafted_on or date.today())
        created_id = created.id
    return RedirectResponse(f"/console/applications/{created_id}", 303)


@router.get("/applications/{application_id}")
def application_page(request: Request, application_id: RecordId) -> Response:
    """One application: parties, items, its history, every deadline and the states it may move to."""
    user = session.require(request)
    with request.app.state.sessions() as db:
        return render(request, "application.html", user, **_application_detail(db, application_id))


@router.post("/applications/{application_id}/transitions")
def move_application(request: Request, application_id: RecordId, csrf: Line, to: Line, on: Line = "", note: Lines = "",
                     acn: Line = "") -> Response:
    """Move the application to its next state, dated as BIS dated it; a refusal is shown on the page."""
    user = session.require(request, "analyst", "reviewer")
    session.check_csrf(user, csrf)
    try:
        target = State(to)
        if target in DECISIONS and user.role not in DECIDERS:
            raise HTTPException(403, f"recording {target} needs the reviewer role")
        change = applications.Transition(target, date.fromisoformat(on) if on else date.today(), note.strip()[:2000],
                                         acn.strip().upper() or None)
        with write_transaction(request.app.state.sessions) as db:
            applications.transition(db, application_id, change, user.name)
    except (ValueError, IllegalTransition, applications.DateOutOfOrder, applications.FourEyesViolation) as error:
        with request.app.state.sessions() as db:
            return render(request, "application.html", user, status=409, error=str(error),
                          **_application_detail(db, application_id))
    return RedirectResponse(f"/console/applications/{application_id}", 303)


@router.post("/licenses")
def record_license(request: Request, csrf: Line, license_number: Line, issued_on: Line, parties: Lines, items: Lines,
                   valid_until: Line = "", application_id: Line = "", tolerance_pct: Line = "10") -> Response:
    """Record a license BIS issued (reviewer); it opens on its own page."""
    user = session.require(request, "reviewer")
    session.check_csrf(user, csrf)
    form = {"license_number": license_number, "issued_on": issued_on, "parties": parties, "items": items,
            "valid_until": valid_until, "application_id": application_id, "tolerance_pct": tolerance_pct}
    try:
        issued = LicenseIn.model_validate({
            "license_number": license_number.strip().upper(), "issued_on": issued_on, "parties": _parties(parties),
            "items": _items(items), "tolerance_pct": int(tolerance_pct or 10),
            **({"valid_until": valid_until} if valid_until else {}),
            **({"application_id": int(application_id)} if application_id else {})})
        with write_transaction(request.app.state.sessions) as db:
            license_id = issue_recorded(db, issued, user.name).id
    except (ValidationError, ValueError, ApiError, applications.NotFound, license_ops.LicenseError) as error:
        return _overview_with_error(request, user, _problem(error), license_form=form)
    return RedirectResponse(f"/console/licenses/{license_id}", 303)


@router.post("/licenses/{license_id}/status")
def change_license(request: Request, license_id: RecordId, csrf: Line, change: Line, note: Lines = "",
                   valid_until: Line = "") -> Response:
    """Record a change BIS made to the license: suspended, revoked, reinstated, or extended to a date."""
    user = session.require(request, "reviewer")
    session.check_csrf(user, csrf)
    try:
        extended_to = date.fromisoformat(valid_until) if change == "extended" else None
        if change == "extended" and extended_to is None:
            raise ValueError("an extension needs the new valid-until date")
        with write_transaction(request.app.state.sessions) as db:
            license_ops.change_license(db, license_id, change, extended_to, note.strip()[:2000], user.name)
    except (ValueError, StatusChangeRefused) as error:
        with request.app.state.sessions() as db:
            return render(request, "license.html", user, status=409, error=str(error),
                          **_license_detail(db, license_id))
    return RedirectResponse(f"/console/licenses/{license_id}", 303)


@router.get("/licenses/{license_id}")
def license_page(request: Request, license_id: RecordId) -> Response:
    user = session.require(request)
    with request.app.state.sessions() as db:
        return render(request, "license.html", user, **_license_detail(db, license_id))


@router.post("/licenses/{license_id}/shipments")
def ship(request: Request, license_id: RecordId, csrf: Line, reference: Line, quantity: Line, value: Line,
         ship_date: Line) -> Response:
    """Charge a shipment; a refusal (quantity, validity, value tolerance) is shown on the license page."""
    user = session.require(request, "analyst", "reviewer")
    session.check_csrf(user, csrf)
    try:
        shipment = balance.Shipment(_quantity(quantity), _cents(value), date.fromisoformat(ship_date))
        with write_transaction(request.app.state.sessions) as db:
            license_ops.record_shipment(db, license_id, shipment, reference.strip(), user.name)
    except (ValueError, balance.ShipmentRefused) as error:
        with request.app.state.sessions() as db:
            return render(request, "license.html", user, status=409, error=str(error), form=dict(
                reference=reference, quantity=quantity, value=value, ship_date=ship_date),
                **_license_detail(db, license_id))
    return RedirectResponse(f"/console/licenses/{license_id}", 303)


def _parties(text: str) -> list[dict[str, str]]:
    """``name; role; country`` per line."""
    rows = [[cell.strip() for cell in line.split(";")] for line in text.splitlines() if line.strip()]
    if any(len(cells) != 3 for cells in rows):
        raise ValueError("parties: one per line as 'name; role; country', e.g. 'Example GmbH; ultimate_consignee; DE'")
    return [{"name": name, "role": role, "country": country.upper()} for name, role, country in rows]


def _items(text: str) -> list[dict[str, str]]:
    """``ECCN; description; quantity; value`` per line."""
    rows = [[cell.strip() for cell in line.split(";")] for line in text.splitlines() if line.strip()]
    if any(len(cells) != 4 for cells in rows):
        raise ValueError("items: one per line as 'ECCN; description; quantity; value', e.g. '3A001; ADCs; 100; 10000'")
    return [{"eccn": eccn.upper(), "description": description, "quantity": quantity, "value": value.replace(",", "")}
            for eccn, description, quantity, value in rows]


def _problem(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
    if isinstance(error, ApiError):
        return error.message
    return str(error)


def _overview_with_error(request: Request, user: session.WebPrincipal, error: str, **forms: Any) -> Response:
    today = date.today()
    with request.app.state.sessions() as db:
        apps = [_application_row(found, today) for found in applications.list_applications(db, None, 500, 0)]
        licenses = [_license_row(found) for found in db.scalars(select(License).order_by(License.id.desc()))]
    return render(request, "licenses.html", user, status=422, error=error, applications=apps, licenses=licenses,
                  today=today, **{"form": {}, "license_form": {}, **forms})


def _application_detail(db: Session, application_id: int) -> dict[str, Any]:
    try:
        found = applications.get_application(db, application_id)
    except applications.NotFound as error:
        raise HTTPException(404, str(error)) from error
    today = date.today()
    history = applications.history(found)
    return {"application": found, "events": list(found.events), "today": today,
            "deadlines": deadlines.deadlines(history, today),
            "allowed": sorted(allowed_after(State(found.state))), "decisions": DECISIONS,
            "licenses": list(db.scalars(select(License).where(License.application_id == found.id)))}


def _cents(value: str) -> int:
    """Whole cents of a dollar amount; refuses what is not a finite amount of at most two decimals."""
    try:
        amount = Decimal(value.replace(",", "").strip())
    except InvalidOperation as error:
        raise ValueError(f"value {value!r} is not an amount") from error
    if not amount.is_finite() or not 0 <= amount <= MAX_DOLLARS:
        raise ValueError(f"value {value!r} is not an amount between 0 and {MAX_DOLLARS:,} dollars")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"value {value!r} has fractions of a cent")
    return int(cents)


def _quantity(value: str) -> int:
    """A whole quantity from 1 to 10^12, as the API accepts."""
    if not value.strip().isdigit() or not 1 <= int(value) <= 10**12:
        raise ValueError(f"quantity {value!r} is not a whole number from 1 to 1,000,000,000,000")
    return int(value)


def _license_detail(db: Session, license_id: int) -> dict[str, Any]:
    try:
        found = license_ops.get_license(db, license_id)
    except applications.NotFound as error:
        raise HTTPException(404, str(error)) from error
    return {"license": _license_row(found), "shipments": license_ops.shipments_of(db, license_id),
            "shippable": found.status not in NOT_SHIPPABLE,
            "status_changes": [*sorted(STATUS_CHANGES.get(found.status, frozenset())), "extended"]}


def _license_row(found: License) -> dict[str, Any]:
    """The license with its quantity and value bars as percentages of the value ceiling."""
    current = license_ops.balance_of(found)
    ceiling = current.value_ceiling_cents or 1
    within = min(found.shipped_value_cents, found.value_cents)
    return {"record": found, "remaining_quantity": current.remaining_quantity,
            "remaining_value": (current.value_ceiling_cents - found.shipped_value_cents) / 100,
            "ceiling": current.value_ceiling_cents / 100,
            "quantity_used_pct": round(100 * found.shipped_quantity / (found.quantity or 1), 1),
            "value_within_pct": round(100 * within / ceiling, 1),
            "value_over_pct": round(100 * (found.shipped_value_cents - within) / ceiling, 1),
            "value_licensed_pct": round(100 * found.value_cents / ceiling, 1)}


def _application_row(found: Application, today: date) -> dict[str, Any]:
    """The application with its earliest unmet deadline and the days left to it (negative when overdue)."""
    pending = [d for d in deadlines.deadlines(applications.history(found), today) if d.met_on is None]
    nearest = min(pending, key=lambda d: d.due, default=None)
    return {"record": found, "deadline": nearest, "days_left": (nearest.due - today).days if nearest else None}
