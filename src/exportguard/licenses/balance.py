"""License balances: what may still ship under a license (15 CFR 750.7(f), (g); 750.11).

Quantities are whole units and values whole cents, so every check is exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

#: Default shipping tolerance on value, in percent (750.11).
DEFAULT_TOLERANCE_PCT = 10
#: Validity of a license unless it states otherwise, in years (750.7(g)).
DEFAULT_VALIDITY_YEARS = 4
SHIPPABLE_STATUSES = frozenset({"active", "partially_shipped"})


@dataclass(frozen=True)
class LicenseBalance:
    """A license's limits and what has shipped against them."""

    status: str
    issued_on: date
    valid_until: date
    quantity: int
    value_cents: int
    shipped_quantity: int = 0
    shipped_value_cents: int = 0
    tolerance_pct: int = DEFAULT_TOLERANCE_PCT

    @property
    def remaining_quantity(self) -> int:
        return self.quantity - self.shipped_quantity

    @property
    def value_ceiling_cents(self) -> int:
        """The most that may ship in total: the licensed value plus the tolerance, rounded down."""
        return self.value_cents * (100 + self.tolerance_pct) // 100


@dataclass(frozen=True)
class Shipment:
    """One shipment to be charged against a license."""

    quantity: int
    value_cents: int
    ship_date: date


class ShipmentRefused(ValueError):
    """A shipment the license does not cover, with a stable code and the rule it breaks."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def valid_until(issued_on: date, years: int = DEFAULT_VALIDITY_YEARS) -> date:
    """The expiry of a license issued on ``issued_on``: 4 years unless stated (750.7(g)); 29 Feb -> 28 Feb."""
    try:
        return issued_on.replace(year=issued_on.year + years)
    except ValueError:
        return issued_on.replace(year=issued_on.year + years, day=28)


def license_is_shippable(balance: LicenseBalance, shipment: Shipment) -> str | None:
    """Only an active or partly shipped license may be used; suspended, revoked or exhausted may not (750.8)."""
    if balance.status in SHIPPABLE_STATUSES:
        return None
    return f"the license is {balance.status}"


def within_validity(balance: LicenseBalance, shipment: Shipment) -> str | None:
    """A shipment must leave between issue and expiry (750.7(g))."""
    if balance.issued_on <= shipment.ship_date <= balance.valid_until:
        return None
    return f"ship date {shipment.ship_date} is outside the validity {balance.issued_on} to {balance.valid_until}"


def within_quantity(balance: LicenseBalance, shipment: Shipment) -> str | None:
    """Cumulative shipped quantity may never exceed the licensed quantity (750.11)."""
    if shipment.quantity <= balance.remaining_quantity:
        return None
    return f"quantity {shipment.quantity} exceeds the remaining {balance.remaining_quantity}"


def within_value_tolerance(balance: LicenseBalance, shipment: Shipment) -> str | None:
    """Cumulative shipped value may exceed the licensed value by at most the tolerance, 10% by default (750.11)."""
    if balance.shipped_value_cents + shipment.value_cents <= balance.value_ceiling_cents:
        return None
    return f"value would exceed the licensed value plus {balance.tolerance_pct}% tolerance"


CHECKS: dict[str, Callable[[LicenseBalance, Shipment], str | None]] = {
    "license_not_usable": license_is_shippable,
    "outside_validity": within_validity,
    "quantity_exceeded": within_quantity,
    "value_exceeded": within_value_tolerance,
}


def check_shipment(balance: LicenseBalance, shipment: Shipment) -> None:
    """Raise :class:`ShipmentRefused` for the first rule the shipment breaks."""
    if shipment.quantity <= 0 or shipment.value_cents < 0:
        raise ShipmentRefused("invalid_shipment", "a shipment needs a positive quantity and a non-negative value")
    for code, check in CHECKS.items():
        problem = check(balance, shipment)
        if problem:
            raise ShipmentRefused(code, f"{problem} ({(check.__doc__ or '').strip()})")


def charge(balance: LicenseBalance, shipment: Shipment) -> LicenseBalance:
    """The balance after ``shipment``; the license is exhausted once the full quantity has shipped (750.11)."""
    check_shipment(balance, shipment)
    shipped = balance.shipped_quantity + shipment.quantity
    return replace(
        balance,
        shipped_quantity=shipped,
        shipped_value_cents=balance.shipped_value_cents + shipment.value_cents,
        status="exhausted" if shipped == balance.quantity else "partially_shipped",
    )


def release(balance: LicenseBalance, shipment: Shipment) -> LicenseBalance:
    """The balance after a recorded shipment is withdrawn (rejected by the reviewer)."""
    shipped = balance.shipped_quantity - shipment.quantity
    status = balance.status
    if status in SHIPPABLE_STATUSES | {"exhausted"}:
        status = "active" if shipped == 0 else "partially_shipped"
    return replace(
        balance, shipped_quantity=shipped,
        shipped_value_cents=balance.shipped_value_cents - shipment.value_cents, status=status,
    )
