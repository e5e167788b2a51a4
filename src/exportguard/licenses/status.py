"""What may happen to an issued license besides shipping: suspension, revocation, reinstatement, extension.

BIS may revise, suspend or revoke any license without notice (15 CFR 750.8(a)); relying on a
suspended or revoked license violates General Prohibition 10 (736.2(b)(10)). Validity may be
extended on request with justification (750.7(g)).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from exportguard.licenses.balance import LicenseBalance

#: The status changes a reviewer may record; "reinstated" returns to active or partially shipped.
STATUS_CHANGES: dict[str, frozenset[str]] = {
    "active": frozenset({"suspended", "revoked"}),
    "partially_shipped": frozenset({"suspended", "revoked"}),
    "exhausted": frozenset({"revoked"}),
    "suspended": frozenset({"reinstated", "revoked"}),
}


class StatusChangeRefused(ValueError):
    """A status change the license's current status does not allow."""

    def __init__(self, current: str, change: str):
        self.allowed = sorted(STATUS_CHANGES.get(current, frozenset()))
        named = ", ".join(self.allowed) or "none"
        super().__init__(f"a {current} license cannot be {change}; allowed: {named}")


def change_status(balance: LicenseBalance, change: str) -> LicenseBalance:
    """The balance after ``change`` (suspended, revoked or reinstated)."""
    if change not in STATUS_CHANGES.get(balance.status, frozenset()):
        raise StatusChangeRefused(balance.status, change)
    if change != "reinstated":
        return replace(balance, status=change)
    if balance.shipped_quantity == 0:
        return replace(balance, status="active")
    exhausted = balance.shipped_quantity >= balance.quantity
    return replace(balance, status="exhausted" if exhausted else "partially_shipped")


def extend(balance: LicenseBalance, new_valid_until: date) -> LicenseBalance:
    """The balance with a later expiry; an extension never shortens a license (750.7(g))."""
    if new_valid_until <= balance.valid_until:
        raise StatusChangeRefused(balance.status, f"extended to {new_valid_until}, not after {balance.valid_until}")
    if balance.status == "revoked":
        raise StatusChangeRefused(balance.status, "extended")
    return replace(balance, valid_until=new_valid_until)
