"""License balances: quantity, the 10% value tolerance of 750.11, validity, and invariants."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exportguard.licenses.balance import (
    LicenseBalance,
    Shipment,
    ShipmentRefused,
    charge,
    check_shipment,
    release,
    valid_until,
)

ISSUED = date(2019, 11, 20)
# 100 units worth USD 10,000.00 (1,000,000 cents), valid four years.
LICENSE = LicenseBalance("active", ISSUED, valid_until(ISSUED), quantity=100, value_cents=1_000_000)


@pytest.mark.parametrize(
    ("shipped_qty", "shipped_value", "shipment", "code"),
    [
        (0, 0, Shipment(100, 1_000_000, date(2020, 1, 1)), None),
        (0, 0, Shipment(101, 1_000_000, date(2020, 1, 1)), "quantity_exceeded"),
        (50, 500_000, Shipment(50, 600_000, date(2020, 1, 1)), None),  # exactly +10%
        (50, 500_000, Shipment(50, 600_001, date(2020, 1, 1)), "value_exceeded"),  # one cent over tolerance
        (0, 0, Shipment(1, 100, date(2023, 11, 20)), None),  # last day of validity
        (0, 0, Shipment(1, 100, date(2023, 11, 21)), "outside_validity"),
        (0, 0, Shipment(1, 100, date(2019, 11, 19)), "outside_validity"),  # before issue
        (0, 0, Shipment(0, 100, date(2020, 1, 1)), "invalid_shipment"),
    ],
)
def test_shipment_rules(shipped_qty: int, shipped_value: int, shipment: Shipment, code: str | None) -> None:
    balance = LicenseBalance("active", ISSUED, LICENSE.valid_until, 100, 1_000_000, shipped_qty, shipped_value)
    if code is None:
        check_shipment(balance, shipment)
        return
    with pytest.raises(ShipmentRefused) as refused:
        check_shipment(balance, shipment)
    assert refused.value.code == code


@pytest.mark.parametrize("status", ["exhausted", "suspended", "revoked", "expired"])
def test_unusable_license_refuses_shipments(status: str) -> None:
    with pytest.raises(ShipmentRefused) as refused:
        check_shipment(LicenseBalance(status, ISSUED, LICENSE.valid_until, 100, 1_000_000), Shipment(1, 1, ISSUED))
    assert refused.value.code == "license_not_usable"


def test_full_quantity_exhausts_the_license_even_below_value() -> None:
    after = charge(LICENSE, Shipment(100, 10, date(2020, 1, 1)))
    assert after.status == "exhausted"
    with pytest.raises(ShipmentRefused):
        charge(after, Shipment(1, 0, date(2020, 1, 2)))


@pytest.mark.parametrize(
    ("issued", "expires"),
    [(date(2019, 11, 20), date(2023, 11, 20)), (date(2020, 2, 29), date(2024, 2, 29)), (date(2024, 2, 29), date(2028, 2, 29)),
     (date(2016, 2, 29), date(2020, 2, 29)), (date(2020, 3, 1), date(2024, 3, 1))],
)
def test_four_year_validity(issued: date, expires: date) -> None:
    assert valid_until(issued) == expires


def test_leap_day_issue_without_leap_expiry_falls_back_to_28th() -> None:
    assert valid_until(date(2020, 2, 29), years=1) == date(2021, 2, 28)


shipments = st.lists(
    st.builds(Shipment, st.integers(1, 40), st.integers(0, 500_000), st.dates(ISSUED, date(2024, 1, 1))),
    max_size=30,
)


@given(shipments)
def test_balance_never_overdraws_and_accounts_every_accepted_shipment(attempts: list[Shipment]) -> None:
    balance, accepted = LICENSE, []
    for shipment in attempts:
        try:
            balance = charge(balance, shipment)
            accepted.append(shipment)
        except ShipmentRefused:
            continue
    assert 0 <= balance.shipped_quantity <= LICENSE.quantity
    assert balance.shipped_value_cents <= LICENSE.value_cents * 110 // 100
    assert balance.shipped_quantity == sum(s.quantity for s in accepted)
    assert balance.shipped_value_cents == sum(s.value_cents for s in accepted)
    assert (balance.status == "exhausted") == (balance.shipped_quantity == LICENSE.quantity)


@given(shipments)
def test_releasing_every_accepted_shipment_restores_the_license(attempts: list[Shipment]) -> None:
    balance, accepted = LICENSE, []
    for shipment in attempts:
        try:
            balance = charge(balance, shipment)
            accepted.append(shipment)
        except ShipmentRefused:
            continue
    for shipment in reversed(accepted):
        balance = release(balance, shipment)
    assert balance == LICENSE
