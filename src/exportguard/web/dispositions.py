"""Screening dispositions recorded from the console, kept in the hash-chained audit log.

A disposition says that a screened party is (or is not) the listed entry. It is remembered for that
party and entry as long as the entry's content is unchanged: the fingerprint of the entry is stored
with it, so any change to the listed entry raises the hit again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exportguard.lists.model import Party
from exportguard.lists.versions import content_hash as fingerprint
from exportguard.matching.model import Hit
from exportguard.store import audit
from exportguard.store.audit import AuditRecord

ACTION = "screening.disposition"
DECISIONS = {"true_match": "True match", "false_positive": "False positive"}


@dataclass(frozen=True)
class Disposition:
    """A decision on one screened party against one listed entry."""

    decision: str
    reason: str
    actor: str
    at: str


def party_key(name: str, country: str | None) -> str:
    """The screened party as dispositions remember it: case- and space-insensitive name and country."""
    return f"{' '.join(name.casefold().split())}|{(country or '').upper()}"


def record(session: Session, actor: str, hit_party: Party, screened: str, decision: str, reason: str) -> None:
    """Append a disposition for ``screened`` (a :func:`party_key`) against ``hit_party``."""
    details = {"party": screened, "entry_key": hit_party.key, "fingerprint": fingerprint(hit_party),
               "decision": decision, "reason": reason}
    audit.append(session, actor, ACTION, f"entry:{hit_party.key}", details)


def current(session: Session, screened: str, hits: list[Hit]) -> dict[str, Disposition]:
    """The latest disposition per entry key among ``hits`` that still applies to the entry as listed now."""
    prints = {hit.party.key: fingerprint(hit.party) for hit in hits}
    query = (select(AuditRecord).where(AuditRecord.action == ACTION,
                                       AuditRecord.subject.in_([f"entry:{key}" for key in prints]))
             .order_by(AuditRecord.id))
    found: dict[str, Disposition] = {}
    for row in session.scalars(query):
        details: dict[str, Any] = row.details
        if details["party"] == screened and details["fingerprint"] == prints.get(details["entry_key"]):
            found[details["entry_key"]] = Disposition(details["decision"], details["reason"], row.actor,
                                                      row.at.strftime("%Y-%m-%d %H:%M"))
    return found
