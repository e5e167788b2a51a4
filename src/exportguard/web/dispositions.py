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
#: Recorded by "undo": the entry is raised again for the party; the decision it withdraws stays on record.
UNDONE = "undone"
HISTORY_LABELS = {**DECISIONS, UNDONE: "Undone (hit raised again)"}
#: Entry keys per query, well under every database's limit of bound parameters.
KEYS_PER_QUERY = 500


@dataclass(frozen=True)
class Disposition:
    """A decision on one screened party against one listed entry."""

    decision: str
    reason: str
    actor: str
    at: str
    entry_key: str = ""
    fingerprint: str = ""
    record_id: int = 0


def party_key(name: str, country: str | None) -> str:
    """The screened party as dispositions remember it: case- and space-insensitive name and country."""
    return f"{' '.join(name.casefold().split())}|{(country or '').upper()}"


def record(session: Session, actor: str, hit_party: Party, screened: str, decision: str, reason: str) -> None:
    """Append a disposition for ``screened`` (a :func:`party_key`) against ``hit_party``."""
    record_entry(session, actor, hit_party.key, fingerprint(hit_party), screened, decision, reason)


def record_entry(session: Session, actor: str, entry_key: str, entry_print: str, screened: str, decision: str,
                 reason: str) -> None:
    """Append a disposition for ``screened`` against the entry with that key and content fingerprint."""
    details = {"party": screened, "entry_key": entry_key, "fingerprint": entry_print, "decision": decision,
               "reason": reason}
    audit.append(session, actor, ACTION, f"entry:{entry_key}", details)


def current(session: Session, screened: str, hits: list[Hit]) -> dict[str, Disposition]:
    """The latest disposition per entry key among ``hits`` that still applies to the entry as listed now."""
    return current_for(session, screened, {hit.party.key: fingerprint(hit.party) for hit in hits})


def current_for(session: Session, screened: str, prints: dict[str, str]) -> dict[str, Disposition]:
    """The latest disposition per entry key (among ``prints``: key -> content fingerprint) still applying."""
    return current_for_many(session, {screened: prints}).get(screened, {})


def current_for_many(session: Session, parties: dict[str, dict[str, str]]) -> dict[str, dict[str, Disposition]]:
    """:func:`current_for` for many screened parties at once (a batch), reading the log once per 500 entries."""
    keys = sorted({key for prints in parties.values() for key in prints})
    found: dict[str, dict[str, Disposition]] = {}
    for start in range(0, len(keys), KEYS_PER_QUERY):
        subjects = [f"entry:{key}" for key in keys[start:start + KEYS_PER_QUERY]]
        query = (select(AuditRecord).where(AuditRecord.action == ACTION, AuditRecord.subject.in_(subjects))
                 .order_by(AuditRecord.id))
        for row in session.scalars(query):
            details: dict[str, Any] = row.details
            prints = parties.get(details["party"], {})
            if details["fingerprint"] != prints.get(details["entry_key"]):
                continue
            decided = found.setdefault(details["party"], {})
            if details["decision"] == UNDONE:
                decided.pop(details["entry_key"], None)
            else:
                decided[details["entry_key"]] = _disposition(row)
    return found


def undo(session: Session, actor: str, screened: str, entry_key: str, reason: str) -> Disposition:
    """Withdraw the disposition in force for ``screened`` and the entry; the hit is raised again.

    The withdrawn decision stays in the append-only log; the undo is a record of its own (15 CFR 762.2).
    """
    latest = next((d for d in reversed(history(session, screened)) if d.entry_key == entry_key), None)
    if latest is None or latest.decision == UNDONE:
        raise LookupError(f"no disposition in force for {entry_key}")
    record_entry(session, actor, entry_key, latest.fingerprint, screened, UNDONE, reason)
    return latest


def history(session: Session, screened: str) -> list[Disposition]:
    """Every disposition (and undo) recorded for the screened party, oldest first."""
    query = select(AuditRecord).where(AuditRecord.action == ACTION).order_by(AuditRecord.id)
    return [_disposition(row) for row in session.scalars(query) if row.details.get("party") == screened]


def _disposition(row: AuditRecord) -> Disposition:
    details: dict[str, Any] = row.details
    return Disposition(details["decision"], details["reason"], row.actor, row.at.strftime("%Y-%m-%d %H:%M"),
                       details["entry_key"], details["fingerprint"], row.id)
