"""Response models: what the API returns, documented in the OpenAPI document for integrators."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel


def as_utc(moment: datetime) -> datetime:
    """The moment with its UTC offset; SQLite hands back stored UTC times without one."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


class DeadlineOut(BaseModel):
    """A regulatory deadline of an application."""

    name: str
    due: date
    citation: str
    explanation: str
    met_on: date | None
    overdue: bool


class HistoryStep(BaseModel):
    """One state the application entered."""

    state: str
    on: date
    actor: str
    note: str


class ApplicationSummary(BaseModel):
    """An application in listings."""

    id: int
    acn: str | None
    title: str
    applicant: str
    destination: str
    state: str
    created_by: str
    total_value: float


class OverdueApplication(ApplicationSummary):
    """An open application and the deadlines it missed."""

    overdue: list[DeadlineOut]


class ApplicationOut(ApplicationSummary):
    """An application with its parties, items, history, deadlines and the states that may follow."""

    end_use: str
    parties: list[dict[str, Any]]
    items: list[dict[str, Any]]
    riders: list[str]
    effective_state: str
    allowed_transitions: list[str]
    history: list[HistoryStep]
    deadlines: list[DeadlineOut]


class LicenseOut(BaseModel):
    """A license with its limits and what may still ship."""

    id: int
    license_number: str
    application_id: int | None
    status: str
    issued_on: date
    valid_until: date
    parties: list[dict[str, Any]]
    items: list[dict[str, Any]]
    riders: list[str]
    quantity: int
    value: float
    tolerance_pct: int
    shipped_quantity: int
    shipped_value: float
    remaining_quantity: int
    remaining_value_with_tolerance: float


class ShipmentOut(BaseModel):
    """A shipment charged against a license."""

    id: int
    license_id: int
    reference: str
    quantity: int
    value: float
    ship_date: date
    status: str
    recorded_by: str
    decided_by: str | None


class UserOut(BaseModel):
    """A user and their role."""

    id: int
    name: str
    role: str
    active: bool


class NewUserOut(BaseModel):
    """A new user with their API key, shown this once."""

    id: int
    name: str
    role: str
    api_key: str


class AuditRecordOut(BaseModel):
    """One audit record."""

    id: int
    at: UtcDatetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    hash: str


class ChainReportOut(BaseModel):
    """The outcome of verifying the audit chain."""

    ok: bool
    checked: int
    first_broken_id: int | None
    problem: str | None = None
    unsigned: int = 0
    anchored_at: int | None = None
