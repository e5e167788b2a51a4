"""Issuing licenses and charging shipments against them, atomically and audited.

A shipment locks its license row (``SELECT ... FOR UPDATE`` on PostgreSQL, the database
write lock on SQLite) before checking the balance, so concurrent shipments never overdraw it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exportguard.licenses import balance, status
from exportguard.licenses.lifecycle import State
from exportguard.store import audit
from exportguard.store.applications import FourEyesViolation, NotFound, get_application
from exportguard.store.licensing import License, ShipmentRecord
from exportguard.store.users import one_pair_of_eyes

SHIPMENT_DECISIONS = ("approved", "rejected")


class LicenseError(ValueError):
    """A license request that conflicts with the records (unapproved application, decided shipment)."""


def issue_license(session: Session, fields: dict[str, Any], actor: str) -> License:
    """Record an issued license; one tied to an application needs that application approved."""
    application_id = fields.get("application_id")
    if application_id is not None and get_application(session, application_id).state != State.APPROVED:
        raise LicenseError(f"application {application_id} is not approved")
    license_ = License(**fields, status="active", shipped_quantity=0, shipped_value_cents=0,
                       created_by=actor, created_at=_now())
    session.add(license_)
    session.flush()
    audit.append(session, actor, "license.issue", _subject(license_), fields)
    return license_


def get_license(session: Session, license_id: int, *, lock: bool = False) -> License:
    """The license, row-locked when ``lock``."""
    query = select(License).where(License.id == license_id)
    found = session.scalars(query.with_for_update() if lock else query).first()
    if found is None:
        raise NotFound(f"no license {license_id}")
    return found


def balance_of(license_: License) -> balance.LicenseBalance:
    """The core balance view of a stored license."""
    return balance.LicenseBalance(
        license_.status, license_.issued_on, license_.valid_until, license_.quantity, license_.value_cents,
        license_.shipped_quantity, license_.shipped_value_cents, license_.tolerance_pct,
    )


def record_shipment(
    session: Session, license_id: int, shipment: balance.Shipment, reference: str, actor: str
) -> ShipmentRecord:
    """Charge a shipment against the license (raises ShipmentRefused when it does not fit)."""
    license_ = get_license(session, license_id, lock=True)
    _store_balance(license_, balance.charge(balance_of(license_), shipment))
    record = ShipmentRecord(
        license_id=license_id, reference=reference, quantity=shipment.quantity, value_cents=shipment.value_cents,
        ship_date=shipment.ship_date, status="recorded", recorded_by=actor, recorded_at=_now(),
    )
    session.add(record)
    session.flush()
    audit.append(session, actor, "shipment.record", _subject(license_),
                 {"shipment_id": record.id, "reference": reference, "quantity": shipment.quantity,
                  "value_cents": shipment.value_cents, "ship_date": shipment.ship_date})
    return record


def decide_shipment(session: Session, shipment_id: int, decision: str, actor: str) -> ShipmentRecord:
    """Approve or reject a recorded shipment; rejecting gives its quantity and value back."""
    query = select(ShipmentRecord).where(ShipmentRecord.id == shipment_id).with_for_update()
    record = session.scalars(query).first()
    if record is None:
        raise NotFound(f"no shipment {shipment_id}")
    if one_pair_of_eyes(session, record.recorded_by, actor):
        raise FourEyesViolation(f"{actor} recorded shipment {shipment_id}, or created or was created by its "
                                f"recorder's account, and may not decide on it")
    if record.status != "recorded":
        raise LicenseError(f"shipment {shipment_id} is already {record.status}")
    license_ = get_license(session, record.license_id, lock=True)
    if decision == "rejected":
        given_back = balance.Shipment(record.quantity, record.value_cents, record.ship_date)
        _store_balance(license_, balance.release(balance_of(license_), given_back))
    record.status, record.decided_by = decision, actor
    audit.append(session, actor, f"shipment.{decision}", _subject(license_), {"shipment_id": shipment_id})
    session.flush()
    return record


def change_license(session: Session, license_id: int, change: str, valid_until: date | None, note: str,
                   actor: str) -> License:
    """Suspend, revoke, reinstate (``change``) or extend (``valid_until``) a license, audited."""
    license_ = get_license(session, license_id, lock=True)
    current = balance_of(license_)
    updated = status.extend(current, valid_until) if valid_until else status.change_status(current, change)
    _store_balance(license_, updated)
    license_.valid_until = updated.valid_until
    audit.append(session, actor, f"license.{change}", _subject(license_),
                 {"status": updated.status, "valid_until": updated.valid_until, "note": note})
    session.flush()
    return license_


def shipments_of(session: Session, license_id: int) -> list[ShipmentRecord]:
    """The license's shipments, oldest first."""
    get_license(session, license_id)
    query = select(ShipmentRecord).where(ShipmentRecord.license_id == license_id).order_by(ShipmentRecord.id)
    return list(session.scalars(query))


def _store_balance(license_: License, updated: balance.LicenseBalance) -> None:
    license_.shipped_quantity = updated.shipped_quantity
    license_.shipped_value_cents = updated.shipped_value_cents
    license_.status = updated.status


def _subject(license_: License) -> str:
    return f"license:{license_.id}"


def _now() -> datetime:
    return datetime.now(UTC)
