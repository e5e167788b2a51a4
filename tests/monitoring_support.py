"""Customers for the re-screen tests of a real list change."""

from __future__ import annotations

from exportguard.batch.runner import Customer
from exportguard.lists.model import ListSnapshot
from exportguard.lists.versions import diff


def customers_meeting_a_change(old: ListSnapshot, new: ListSnapshot, per_kind: int) -> list[Customer]:
    """Names of ``per_kind`` entries each the change removed, renamed, left alone and added, plus two negatives."""
    changes = diff(old, new)
    in_new, changed = new.by_key(), {party.key for party in changes.changed}
    unchanged = [party for party in old.parties if party.key in in_new and party.key not in changed]
    picked = [*changes.removed[:per_kind], *[change.old for change in changes.modified if "name" in change.fields][:per_kind],
              *unchanged[:per_kind], *changes.added[:per_kind]]
    names = [party.name for party in picked] + ["Siemens Healthineers AG", "Bosch Rexroth Limited"]
    return [Customer(f"ERP-{number}", name) for number, name in enumerate(names)]
