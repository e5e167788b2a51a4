"""Applications with their next deadline, licenses with their balance bars, and recording shipments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from exportguard.licenses import balance, deadlines
from exportguard.store import applications, license_ops
from exportguard.store.licensing import Application, License
from exportguard.store.writes import write_transaction
from exportguard.web import session
from exportguard.web.templating import render

router = APIRouter()
Line = Annotated[str, Form(max_length=100)]


@router.get("/licenses")
def overview(request: Request) -> Response:
    """Every open application with its next deadline, and every license with what is left on it."""
    user = session.require(request)
    today = date.today()
    with request.app.state.sessions() as db:
        apps = [_application_row(found, today) for found in applications.list_applications(db, None, 500, 0)]
        licenses = [_license_row(found) for found in db.scalars(select(License).order_by(License.id.desc()))]
    return render(request, "licenses.html", user, applications=apps, licenses=licenses, today=today)


@router.get("/licenses/{license_id}")
def license_page(request: Request, license_id: int) -> Response:
    user = session.require(request)
    with request.app.state.sessions() as db:
        return render(request, "license.html", user, **_license_detail(db, license_id))


@router.post("/licenses/{license_id}/shipments")
def ship(request: Request, license_id: int, csrf: Line, reference: Line, quantity: Line, value: Line,
         ship_date: Line) -> Response:
    """Charge a shipment; a refusal (quantity, validity, value tolerance) is shown on the license page."""
    user = session.require(request, "analyst", "reviewer")
    session.check_csrf(user, csrf)
    try:
        shipment = balance.Shipment(int(quantity), _cents(value), date.fromisoformat(ship_date))
        with write_transaction(request.app.state.sessions) as db:
            license_ops.record_shipment(db, license_id, shipment, reference.strip(), user.name)
    except (ValueError, balance.ShipmentRefused) as error:
        with request.app.state.sessions() as db:
            return render(request, "license.html", user, status=409, error=str(error), form=dict(
                reference=reference, quantity=quantity, value=value, ship_date=ship_date),
                **_license_detail(db, license_id))
    return RedirectResponse(f"/console/licenses/{license_id}", 303)


def _cents(value: str) -> int:
    try:
        return int(Decimal(value.replace(",", "")) * 100)
    except InvalidOperation as error:
        raise ValueError(f"value {value!r} is not an amount") from error


def _license_detail(db: Session, license_id: int) -> dict[str, Any]:
    try:
        found = license_ops.get_license(db, license_id)
    except applications.NotFound as error:
        raise HTTPException(404, str(error)) from error
    return {"license": _license_row(found), "shipments": license_ops.shipments_of(db, license_id)}


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
