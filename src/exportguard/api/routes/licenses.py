"""``/licenses`` and their shipments: balances that never overdraw, four eyes on every shipment."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from exportguard.api.auth import Analyst, Caller, ReadSession, Reviewer, Sessions
from exportguard.api.errors import ApiError, translated_store_errors
from exportguard.api.limits import PRINTABLE
from exportguard.api.schemas import Day, Items, LongText, Money, Parties, Quantity, RecordId, Riders, Strict, cents
from exportguard.api.views import LicenseOut, ShipmentOut
from exportguard.licenses import balance
from exportguard.store import license_ops as store
from exportguard.store.licensing import License, ShipmentRecord
from exportguard.store.writes import write_transaction

router = APIRouter(prefix="/licenses", tags=["licenses"])


class LicenseIn(Strict):
    """An issued license. Quantity and value default to the sums over the items."""

    license_number: Annotated[str, Field(pattern=r"^[A-Z0-9-]{1,40}$")]
    application_id: Annotated[int | None, Field(ge=1, le=2**31 - 1)] = None
    issued_on: Day
    valid_until: Day | None = Field(None, description="default: 4 years after issue (15 CFR 750.7(g))")
    parties: Parties
    items: Items
    riders: Riders = Field(default_factory=list)
    quantity: Quantity | None = None
    value: Money | None = None
    tolerance_pct: Annotated[int, Field(ge=0, le=100, description="shipping tolerance (750.11)")] = 10

    @model_validator(mode="after")
    def _expiry_after_issue(self) -> LicenseIn:
        if self.valid_until is not None and self.valid_until < self.issued_on:
            raise ValueError("valid_until is before issued_on")
        return self


class ShipmentIn(Strict):
    """A shipment to charge against the license."""

    reference: Annotated[str, Field(min_length=1, max_length=100, pattern=PRINTABLE)]
    quantity: Quantity
    value: Money
    ship_date: Day


class ShipmentDecision(Strict):
    """A reviewer's decision on a recorded shipment."""

    decision: Literal["approved", "rejected"]


class LicenseChange(Strict):
    """A change BIS made to the license: ``valid_until`` is required for, and only for, ``extended``."""

    change: Literal["suspended", "revoked", "reinstated", "extended"]
    valid_until: Day | None = None
    note: LongText = ""

    @model_validator(mode="after")
    def _date_only_for_extension(self) -> LicenseChange:
        if (self.change == "extended") != (self.valid_until is not None):
            raise ValueError("valid_until is required for an extension and only for one")
        return self


@router.post("", status_code=201, summary="Record an issued license", response_model=LicenseOut)
def issue(request: LicenseIn, caller: Reviewer, factory: Sessions) -> dict[str, Any]:
    with translated_store_errors(), write_transaction(factory) as session:
        return view(issue_recorded(session, request, caller.name))


def issue_recorded(session: Session, request: LicenseIn, actor: str) -> License:
    """Record an issued license (the API and the console alike); a license number is recorded once."""
    fields = request.model_dump(mode="json", exclude={"quantity", "value"})
    fields["issued_on"] = request.issued_on
    fields["valid_until"] = request.valid_until or balance.valid_until(request.issued_on)
    fields["quantity"] = request.quantity or sum(item.quantity for item in request.items)
    fields["value_cents"] = cents(request.value) if request.value is not None else sum(
        cents(item.value) for item in request.items)
    if session.scalars(select(License.id).where(License.license_number == request.license_number)).first():
        raise ApiError(409, "duplicate", f"license {request.license_number} is already recorded")
    return store.issue_license(session, fields, actor)


@router.get("", summary="List licenses, newest first", response_model=list[LicenseOut])
def list_licenses(
    _caller: Caller, session: ReadSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> list[dict[str, Any]]:
    query = select(License).order_by(License.id.desc()).limit(limit).offset(offset)
    return [view(found) for found in session.scalars(query)]


@router.get("/{license_id}", summary="One license with its balance", response_model=LicenseOut)
def get(license_id: RecordId, _caller: Caller, session: ReadSession) -> dict[str, Any]:
    with translated_store_errors():
        return view(store.get_license(session, license_id))


@router.post(
    "/{license_id}/shipments", status_code=201, summary="Charge a shipment against the license", response_model=ShipmentOut
)
def ship(license_id: RecordId, request: ShipmentIn, caller: Analyst, factory: Sessions) -> dict[str, Any]:
    shipment = balance.Shipment(request.quantity, cents(request.value), request.ship_date)
    with translated_store_errors(), write_transaction(factory) as session:
        return shipment_view(store.record_shipment(session, license_id, shipment, request.reference, caller.name))


@router.get(
    "/{license_id}/shipments", summary="The shipments charged against the license", response_model=list[ShipmentOut]
)
def shipments(license_id: RecordId, _caller: Caller, session: ReadSession) -> list[dict[str, Any]]:
    with translated_store_errors():
        return [shipment_view(found) for found in store.shipments_of(session, license_id)]


@router.post(
    "/{license_id}/shipments/{shipment_id}/decision", summary="Approve or reject a recorded shipment",
    response_model=ShipmentOut,
)
def decide(
    license_id: RecordId, shipment_id: RecordId, request: ShipmentDecision, caller: Reviewer, factory: Sessions
) -> dict[str, Any]:
    with translated_store_errors(), write_transaction(factory) as session:
        record = store.decide_shipment(session, shipment_id, request.decision, caller.name)
        if record.license_id != license_id:
            raise ApiError(404, "not_found", f"shipment {shipment_id} is not on license {license_id}")
        return shipment_view(record)


@router.post(
    "/{license_id}/status", summary="Suspend, revoke, reinstate or extend a license", response_model=LicenseOut
)
def change(license_id: RecordId, request: LicenseChange, caller: Reviewer, factory: Sessions) -> dict[str, Any]:
    """Records what BIS did to the license (750.8(a); extensions 750.7(g)); audited."""
    with translated_store_errors(), write_transaction(factory) as session:
        return view(store.change_license(session, license_id, request.change, request.valid_until, request.note,
                                         caller.name))


def view(license_: License) -> dict[str, Any]:
    """A license with its limits and remaining balance."""
    current = store.balance_of(license_)
    return {
        "id": license_.id, "license_number": license_.license_number, "application_id": license_.application_id,
        "status": license_.status, "issued_on": license_.issued_on, "valid_until": license_.valid_until,
        "parties": license_.parties, "items": license_.items, "riders": license_.riders,
        "quantity": license_.quantity, "value": license_.value_cents / 100, "tolerance_pct": license_.tolerance_pct,
        "shipped_quantity": license_.shipped_quantity, "shipped_value": license_.shipped_value_cents / 100,
        "remaining_quantity": current.remaining_quantity,
        "remaining_value_with_tolerance": (current.value_ceiling_cents - license_.shipped_value_cents) / 100,
    }


def shipment_view(record: ShipmentRecord) -> dict[str, Any]:
    """A shipment as stored."""
    return {"id": record.id, "license_id": record.license_id, "reference": record.reference,
            "quantity": record.quantity, "value": record.value_cents / 100, "ship_date": record.ship_date,
            "status": record.status, "recorded_by": record.recorded_by, "decided_by": record.decided_by}
