"""Date-aware license determination: ordered checks over a transaction, each citing its CFR/FR source."""

from exportguard.rules.engine import determine, replay
from exportguard.rules.model import Determination, Finding, Kind, Policy, Status
from exportguard.rules.transaction import Transaction, TransactionError

__all__ = [
    "Determination",
    "Finding",
    "Kind",
    "Policy",
    "Status",
    "Transaction",
    "TransactionError",
    "determine",
    "replay",
]
