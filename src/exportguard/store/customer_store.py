"""Customers, their screening hits and reviewers' dispositions, kept in step with list versions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exportguard.batch.delta import rescreen
from exportguard.batch.runner import Customer, FullScreen, LocalRunner, ScreeningResult
from exportguard.lists.bundled import bundled_parts, default_snapshot
from exportguard.lists.model import ListSnapshot, Party, layered
from exportguard.lists.versions import content_hash, diff
from exportguard.matching.normalize import NormalizedName, normalize, normalizer_fingerprint
from exportguard.matching.screener import Screener, matcher_fingerprint
from exportguard.store import audit
from exportguard.store.list_store import party_from_json, snapshot_of
from exportguard.store.monitoring import (
    VERDICTS,
    CustomerRecord,
    DispositionRecord,
    ListEntryRecord,
    ListVersionRecord,
    ScreeningHitRecord,
)


class MonitoringError(ValueError):
    """A monitoring request that cannot be carried out as given."""


@dataclass
class RescreenSummary:
    """What a re-screen changed: hits new to review, hits retired, hits whose entry changed."""

    version: str
    customers: int
    new: list[int] = field(default_factory=list)
    retired: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    mode: str = "full"
    #: Why the re-screen was full, or that only list changes were screened.
    reason: str = ""

    def counts(self) -> dict[str, object]:
        return {"version": self.version, "mode": self.mode, "reason": self.reason, "customers": self.customers,
                "new": len(self.new), "retired": len(self.retired), "changed": len(self.changed)}


def import_customers(session: Session, rows: Iterable[Customer], actor: str) -> tuple[int, int]:
    """Insert or update customers by external reference; returns (added, updated)."""
    known = {record.external_ref: record for record in session.scalars(select(CustomerRecord))}
    added = updated = 0
    for row in rows:
        record = known.get(row.id)
        if record is None:
            record = known[row.id] = CustomerRecord(external_ref=row.id, name=row.name)
            session.add(record)
            added += 1
        elif (record.name, record.country, record.address) != (row.name, row.country, row.address):
            record.needs_screening = True
            updated += 1
        record.name, record.country, record.address = row.name, row.country, row.address
        _normal_form(record)
    session.flush()
    audit.append(session, actor, "customers.imported", "customers", {"added": added, "updated": updated})
    return added, updated


def combined(session: Session, versions: list[ListVersionRecord]) -> ListSnapshot:
    """One snapshot over several sources' versions (SDN, EL, CSL, ...), screened together.

    Each list (EL, SDN, DPL, ...) comes from the most recently loaded of these versions that has it, else
    from the bundled lists (:func:`exportguard.lists.bundled.bundled_parts`), so loading only a new SDN
    file neither drops the Entity List nor keeps the CSL's older copy of the SDN beside the new one.
    """
    newest_first = sorted(versions, key=lambda version: version.loaded_at, reverse=True)
    return layered([*(snapshot_of(session, version) for version in newest_first), *bundled_parts()])


def in_force(session: Session) -> list[ListVersionRecord]:
    """The current version of each list source: what screening uses."""
    return list(session.scalars(select(ListVersionRecord).where(ListVersionRecord.current)))


def _last_screened(session: Session) -> list[ListVersionRecord]:
    latest: dict[str, ListVersionRecord] = {}
    query = select(ListVersionRecord).where(ListVersionRecord.screened_at.is_not(None))
    for version in session.scalars(query.order_by(ListVersionRecord.screened_at)):
        latest[version.source] = version
    return list(latest.values())


def rescreen_customers(session: Session, actor: str, runner: LocalRunner | None = None,
                       progress: Callable[[int], None] | None = None, full: bool = False) -> RescreenSummary:
    """Bring every customer's hits up to the lists in force, screening only list changes unless ``full``."""
    versions = in_force(session)
    if not versions:
        raise MonitoringError("no list version loaded: run `exportguard lists update FILE` first")
    new = combined(session, versions)
    records = list(session.scalars(select(CustomerRecord)))
    customers = [Customer(str(r.id), r.name, r.country, r.address, _normal_form(r)) for r in records]
    stored = {(str(h.customer_id), h.entry_key): h for h in session.scalars(select(ScreeningHitRecord))}
    screened = _last_screened(session)
    runner = runner or LocalRunner()
    screen_all = FullScreen(Screener(new), runner.threshold)
    reason = _full_rescreen_reason(screened, full)
    if reason:
        results = [r for rows in runner.map(screen_all, customers, progress) for r in rows]
        mode = "full"
    else:
        reason = "list changes since the last re-screen, and customers added or changed"
        # Customers added or changed since the last re-screen have met no list yet as they now are.
        fresh = {str(r.id) for r in records if r.needs_screening}
        previous = [_result(hit) for hit in stored.values() if hit.status != "retired"
                    and str(hit.customer_id) not in fresh]
        known = [customer for customer in customers if customer.id not in fresh]
        results = rescreen(new, diff(combined(session, screened), new), known, previous, runner, progress,
                           full=screen_all.screener).results
        unseen = [customer for customer in customers if customer.id in fresh]
        if unseen:
            results += [r for rows in runner.map(screen_all, unseen, progress) for r in rows]
        mode = "delta"
    summary = _apply(session, new, results, stored, len(customers))
    summary.mode, summary.reason = mode, reason
    now = datetime.now(UTC)
    for version in versions:
        version.screened_at, version.screened_with = now, matcher_fingerprint()
    for record in records:
        record.needs_screening = False
    audit.append(session, actor, "customers.rescreened", new.version.id, summary.counts())
    return summary


def _full_rescreen_reason(screened: list[ListVersionRecord], asked: bool) -> str:
    """Why every customer must meet every entry this time, or "" when list changes are enough."""
    if asked:
        return "--full asked for"
    if not screened:
        return "first re-screen"
    if any(version.screened_with != matcher_fingerprint() for version in screened):
        # A new matching engine can score any pair differently, not only pairs with changed entries.
        return "the matching engine changed since the last re-screen"
    return ""


def _normal_form(record: CustomerRecord) -> NormalizedName:
    """The customer's name normalised, from the record while the normaliser is unchanged, else stored anew."""
    stored = record.normalized_name or {}
    if stored.get("fingerprint") == normalizer_fingerprint() and stored.get("original") == record.name:
        return NormalizedName(record.name, tuple(stored["tokens"]), tuple(stored["legal_forms"]),
                              bool(stored["cross_script"]), tuple(stored["raw_tokens"]))
    normalized = normalize(record.name)
    record.normalized_name = {"fingerprint": normalizer_fingerprint(), "original": record.name,
                              "tokens": list(normalized.tokens), "legal_forms": list(normalized.legal_forms),
                              "cross_script": normalized.cross_script, "raw_tokens": list(normalized.raw_tokens)}
    return normalized


def _result(hit: ScreeningHitRecord) -> ScreeningResult:
    return ScreeningResult(str(hit.customer_id), hit.entry_key, hit.score, hit.matched_name, hit.list_version,
                           hit.features)


def _apply(session: Session, snapshot: ListSnapshot, results: list[ScreeningResult],
           stored: dict[tuple[str, str], ScreeningHitRecord], customers: int) -> RescreenSummary:
    summary = RescreenSummary(snapshot.version.id, customers)
    hashes = {party.key: content_hash(party) for party in snapshot.parties}
    verdicts = _valid_verdicts(session, hashes)
    now = datetime.now(UTC)
    for result in results:
        pair = (result.customer_id, result.entry_key)
        hit = stored.pop(pair, None)
        if hit is None:
            hit = ScreeningHitRecord(customer_id=int(result.customer_id), entry_key=result.entry_key, status="")
            session.add(hit)
        status = _status(result, hit.status, verdicts.get(pair))
        if result.is_hit() and status == "new" and hit.status != "new":
            (summary.changed if hit.status in ("open", "cleared") else summary.new).append(int(result.customer_id))
        hit.score, hit.matched_name, hit.features = result.score, result.matched_name, result.features
        hit.list_version, hit.status, hit.updated_at = result.list_version, status, now
    for hit in stored.values():
        if hit.status not in ("retired", "watch"):
            summary.retired.append(hit.customer_id)
        hit.status, hit.updated_at = "retired", now
    session.flush()
    return summary


def _status(result: ScreeningResult, before: str, verdict: str | None) -> str:
    """Where a hit stands now: a still-valid disposition decides; otherwise unreviewed hits are new."""
    if not result.is_hit():
        return "watch"
    if verdict is not None:
        return "cleared" if verdict == "false_positive" else "open"
    return before if before in ("new", "open") else "new"


def _valid_verdicts(session: Session, hashes: dict[str, str]) -> dict[tuple[str, str], str]:
    """The latest disposition per pair, only where the entry's content is what the reviewer saw."""
    verdicts: dict[tuple[str, str], str] = {}
    for record in session.scalars(select(DispositionRecord).order_by(DispositionRecord.id)):
        pair = (str(record.customer_id), record.entry_key)
        if hashes.get(record.entry_key) == record.entry_content_hash:
            verdicts[pair] = record.verdict
        else:
            verdicts.pop(pair, None)
    return verdicts


def dispose(session: Session, hit_id: int, verdict: str, reason: str, actor: str) -> ScreeningHitRecord:
    """Record a reviewer's verdict on a hit, tied to the entry's content as it stands now."""
    if verdict not in VERDICTS:
        raise MonitoringError(f"verdict must be one of {', '.join(VERDICTS)}")
    hit = session.get(ScreeningHitRecord, hit_id)
    if hit is None or hit.status in ("retired", "watch"):
        raise MonitoringError(f"no open hit {hit_id}")
    entry_hash = _entry_hash(session, hit.entry_key)
    session.add(DispositionRecord(customer_id=hit.customer_id, entry_key=hit.entry_key, entry_content_hash=entry_hash,
                                  verdict=verdict, reason=reason, decided_by=actor, decided_at=datetime.now(UTC)))
    hit.status = "cleared" if verdict == "false_positive" else "open"
    session.flush()
    audit.append(session, actor, "hit.disposed", f"hit:{hit_id}",
                 {"customer": hit.customer_id, "entry": hit.entry_key, "entry_hash": entry_hash,
                  "verdict": verdict, "reason": reason})
    return hit


def _entry_hash(session: Session, entry_key: str) -> str:
    query = (select(ListEntryRecord.content_hash).join(ListVersionRecord)
             .where(ListVersionRecord.current, ListEntryRecord.entry_key == entry_key))
    found = session.scalars(query).first()
    if found is None:
        raise MonitoringError(f"entry {entry_key} is not on any list in force")
    return found


@dataclass(frozen=True)
class QueuedHit:
    """A hit to review, with its customer and the listed entry as last loaded (None if never stored)."""

    hit: ScreeningHitRecord
    customer: CustomerRecord
    entry: Party | None


def hit_queue(session: Session, status: str = "new", limit: int = 100, offset: int = 0) -> list[QueuedHit]:
    """Hits in one status with their customers and listed entries, best score first: the review queue.

    Several entries can carry the same name (the Entity List lists a company once per address), so
    a reviewer needs the entry itself, not only the name that matched.
    """
    query = (select(ScreeningHitRecord, CustomerRecord)
             .join(CustomerRecord, CustomerRecord.id == ScreeningHitRecord.customer_id)
             .where(ScreeningHitRecord.status == status)
             .order_by(ScreeningHitRecord.score.desc(), ScreeningHitRecord.id).limit(limit).offset(offset))
    rows = list(session.execute(query))
    entries = listed_entries(session, {hit.entry_key for hit, _customer in rows})
    return [QueuedHit(hit, customer, entries.get(hit.entry_key)) for hit, customer in rows]


#: Entry keys looked up per query, well under every database's limit of bound parameters.
_KEYS_PER_QUERY = 500


def listed_entries(session: Session, keys: Iterable[str]) -> dict[str, Party]:
    """Each entry as most recently loaded, by entry key; for a list never loaded, as in the bundled lists
    (which stand in for it among the lists in force)."""
    wanted = sorted(set(keys))
    latest: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), _KEYS_PER_QUERY):
        query = (select(ListEntryRecord.entry_key, ListEntryRecord.party)
                 .where(ListEntryRecord.entry_key.in_(wanted[start:start + _KEYS_PER_QUERY]))
                 .order_by(ListEntryRecord.id))
        # Rows come oldest load first, so the latest load of an entry is the one kept.
        latest.update((key, data) for key, data in session.execute(query))
    entries = {key: party_from_json(data) for key, data in latest.items()}
    missing = set(wanted) - entries.keys()
    if missing:
        entries.update((party.key, party) for party in default_snapshot().parties if party.key in missing)
    return entries
