"""Suspension, revocation, reinstatement and extension of licenses (750.7(g), 750.8(a))."""

from __future__ import annotations

from datetime import date

import pytest

from exportguard.licenses.balance import LicenseBalance, Shipment, ShipmentRefused, check_shipment
from exportguard.licenses.status import StatusChangeRefused, change_status, extend

ISSUED, EXPIRES = date(2019, 11, 20), date(2023, 11, 20)


def _license(status: str = "active", shipped: int = 0) -> LicenseBalance:
    return LicenseBalance(status, ISSUED, EXPIRES, 100, 1_000_000, shipped, shipped * 100)


@pytest.mark.parametrize(
    ("status", "shipped", "change", "after"),
    [
        ("active", 0, "suspended", "suspended"),
        ("partially_shipped", 10, "revoked", "revoked"),
        ("suspended", 0, "reinstated", "active"),
        ("suspended", 10, "reinstated", "partially_shipped"),
        ("suspended", 100, "reinstated", "exhausted"),
        ("exhausted", 100, "revoked", "revoked"),
    ],
)
def test_allowed_changes(status: str, shipped: int, change: str, after: str) -> None:
    assert change_status(_license(status, shipped), change).status == after


@pytest.mark.parametrize(("status", "change"), [("revoked", "reinstated"), ("active", "reinstated"),
                                                ("exhausted", "suspended")])
def test_refused_changes_name_the_allowed_ones(status: str, change: str) -> None:
    with pytest.raises(StatusChangeRefused, match="allowed"):
        change_status(_license(status), change)


def test_suspended_license_refuses_shipments_until_reinstated() -> None:
    suspended = change_status(_license(), "suspended")
    with pytest.raises(ShipmentRefused):
        check_shipment(suspended, Shipment(1, 100, date(2020, 1, 1)))
    check_shipment(change_status(suspended, "reinstated"), Shipment(1, 100, date(2020, 1, 1)))


def test_extension_moves_expiry_later_only() -> None:
    assert extend(_license(), date(2024, 5, 20)).valid_until == date(2024, 5, 20)
    with pytest.raises(StatusChangeRefused):
        extend(_license(), date(2023, 1, 1))
    with pytest.raises(StatusChangeRefused):
        extend(_license("revoked"), date(2024, 5, 20))
