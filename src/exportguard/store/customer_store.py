"""Customers, their screening hits and reviewers' dispositions, kept in step with list versions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from exportguard.batch.delta import ChangedOrFresh, DeltaScreen, delta_screener, recorded_pairs
from exportguard.batch.runner import Customer, FullScreen, LocalRunner, PartitionScreen, ScreeningResult
from exportguard.lists.bundled import bundled_parts, default_snapshot
from exportguard.lists.model import ListSnapshot, Party, layered
from exportguard.lists.versions import content_hash, diff
from exportguard.matching.grouping import entity_family, family_label
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
    RescreenRun,
    ScreeningHitRecord,
)
from exportguard.store.writes import write_transaction


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
    #: A resumed run: the checkpoint it resumed after (0 otherwise) and the counts committed before it.
    resumed_after: int = 0
    carried: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, Any]:
        def total(kind: str, found: list[int]) -> int:
            return int(self.carried.get(kind, 0)) + len(found)

        return {"version": self.version, "mode": self.mode, "reason": self.reason, "customers": self.customers,
                "new": total("new", self.new), "retired": total("retired", self.retired),
                "changed": total("changed", self.changed), "resumed_after": self.resumed_after}


#: Customers imported per transaction by :func:`import_in_chunks`.
IMPORT_CHUNK = 2000


def import_in_chunks(factory: sessionmaker[Session], rows: list[Customer], actor: str) -> tuple[int, int]:
    """:func:`import_customers`, committing ``IMPORT_CHUNK`` rows at a time so the API's writes are never
    held up for long; importing the same file again after a failure completes it."""
    added = updated = 0
    for start in range(0, len(rows), IMPORT_CHUNK):
        with write_transaction(factory) as session:
            more = import_customers(session, rows[start:start + IMPORT_CHUNK], actor)
        added, updated = added + more[0], updated + more[1]
    return added, updated


def import_customers(session: Session, rows: Iterable[Customer], actor: str) -> tuple[int, int]:
    """Insert or update customers by external reference; returns (added, updated)."""
    rows = list(rows)
    known: dict[str, CustomerRecord] = {}
    references = sorted({row.id for row in rows})
    for start in range(0, len(references), _KEYS_PER_QUERY):
        query = select(CustomerRecord).where(CustomerRecord.external_ref.in_(references[start:start + _KEYS_PER_QUERY]))
        known.update((record.external_ref, record) for record in session.scalars(query))
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


#: Customers screened, then committed, at a time by :func:`rescreen_in_chunks`: each commit holds the
#: write lock for a few tens of milliseconds, and is the checkpoint a killed run resumes after.
CHUNK_CUSTOMERS = 500


@dataclass
class _Plan:
    """What a re-screen run screens, with what, and what it has to write back."""

    version_ids: list[str]
    snapshot: ListSnapshot
    screen: PartitionScreen
    #: The customers still to screen, in id order (after the checkpoint when resuming).
    customers: list[Customer]
    #: Customer id -> (name, country, address) as screened: a customer changed meanwhile stays due.
    screened_as: dict[str, tuple[str, str | None, str | None]]
    #: Customer id -> its name's normal form, where the stored one is missing or stale.
    normal_forms: dict[str, dict[str, Any]]
    hashes: dict[str, str]
    summary: RescreenSummary
    resume_run: int | None
    abandon_run: int | None
    run_id: int = 0


def rescreen_in_chunks(factory: sessionmaker[Session], actor: str, runner: LocalRunner | None = None,
                       progress: Callable[[int], None] | None = None, full: bool = False,
                       resume_only: bool = False) -> RescreenSummary:
    """Bring every customer's hits up to the lists in force, committing ``CHUNK_CUSTOMERS`` at a time.

    Nothing is locked while screening; each chunk's hits are written in a short transaction that also
    moves the run's checkpoint. A run that was killed is resumed after its checkpoint by the next call
    when the lists in force are the same (``resume_only``: only resume, refuse otherwise); with other
    lists in force, or ``full``, it is abandoned and every customer is screened in full.
    """
    runner = runner or LocalRunner()
    with factory() as session:
        plan = _plan(session, runner, full, resume_only)
    with write_transaction(factory) as session:
        _claim(session, plan, actor)
    for chunk, results in _screened_chunks(plan, runner, progress):
        with write_transaction(factory) as session:
            _apply_chunk(session, plan, chunk, results)
    with write_transaction(factory) as session:
        return _finish(session, plan, actor)


def rescreen_customers(session: Session, actor: str, runner: LocalRunner | None = None,
                       progress: Callable[[int], None] | None = None, full: bool = False) -> RescreenSummary:
    """As :func:`rescreen_in_chunks`, all inside the caller's transaction (all or nothing)."""
    runner = runner or LocalRunner()
    plan = _plan(session, runner, full, resume_only=False)
    _claim(session, plan, actor)
    for chunk, results in _screened_chunks(plan, runner, progress):
        _apply_chunk(session, plan, chunk, results)
    return _finish(session, plan, actor)


def _plan(session: Session, runner: LocalRunner, full: bool, resume_only: bool) -> _Plan:
    versions = in_force(session)
    if not versions:
        raise MonitoringError("no list version loaded: run `exportguard lists update FILE` first")
    version_ids = sorted(version.id for version in versions)
    unfinished = session.scalars(select(RescreenRun).where(RescreenRun.finished_at.is_(None))
                                 .order_by(RescreenRun.id.desc())).first()
    resuming = unfinished is not None and unfinished.versions == version_ids and not full
    if resume_only and not resuming:
        raise MonitoringError("no interrupted re-screen to resume" if unfinished is None else
                              "the interrupted re-screen was against other list versions: run `rescreen` again")
    new = combined(session, versions)
    screened = _last_screened(session)
    if resuming and unfinished is not None:
        mode, reason, after = unfinished.mode, unfinished.reason, unfinished.last_customer_id
    else:
        interrupted = "an interrupted re-screen was against other list versions" if unfinished else ""
        reason = _full_rescreen_reason(screened, full) or interrupted
        mode, after = ("full" if reason else "delta"), 0
        reason = reason or "list changes since the last re-screen, and customers added or changed"
    customers, screened_as, normal_forms, fresh = [], {}, {}, set()
    for record in session.scalars(select(CustomerRecord).where(CustomerRecord.id > after).order_by(CustomerRecord.id)):
        normalized, to_store = _normal_form_of(record)
        customer_id = str(record.id)
        customers.append(Customer(customer_id, record.name, record.country, record.address, normalized))
        screened_as[customer_id] = (record.name, record.country, record.address)
        if to_store is not None:
            normal_forms[customer_id] = to_store
        if record.needs_screening:
            fresh.add(customer_id)
    screen_all = FullScreen(Screener(new), runner.threshold)
    screen: PartitionScreen = screen_all
    if mode == "delta":
        previous = [_result(hit) for hit in session.scalars(select(ScreeningHitRecord).where(
            ScreeningHitRecord.customer_id > after, ScreeningHitRecord.status != "retired"))
            if str(hit.customer_id) not in fresh]
        changes = diff(combined(session, screened), new)
        changed_only = DeltaScreen(screen_all.screener, delta_screener(new, changes, screen_all.screener),
                                   recorded_pairs(previous, changes), runner.threshold)
        screen = ChangedOrFresh(screen_all, changed_only, frozenset(fresh))
    total = session.scalar(select(func.count()).select_from(CustomerRecord)) or 0
    summary = RescreenSummary(new.version.id, total, mode=mode, reason=reason, resumed_after=after,
                              carried=dict(unfinished.counts) if resuming and unfinished else {})
    return _Plan(version_ids, new, screen, customers, screened_as, normal_forms,
                 {party.key: content_hash(party) for party in new.parties}, summary,
                 unfinished.id if resuming and unfinished else None,
                 unfinished.id if unfinished and not resuming else None)


def _claim(session: Session, plan: _Plan, actor: str) -> None:
    """Record the run (or take up the interrupted one), so a kill leaves a checkpoint to resume from."""
    now = datetime.now(UTC)
    if plan.abandon_run is not None:
        abandoned = session.get(RescreenRun, plan.abandon_run)
        if abandoned is not None:
            abandoned.finished_at, abandoned.counts = now, {**abandoned.counts, "abandoned": True}
    if plan.resume_run is not None:
        plan.run_id = plan.resume_run
        return
    run = RescreenRun(versions=plan.version_ids, mode=plan.summary.mode, reason=plan.summary.reason, started_at=now,
                      started_by=actor, last_customer_id=0, counts=plan.summary.counts())
    session.add(run)
    session.flush()
    plan.run_id = run.id


def _screened_chunks(plan: _Plan, runner: LocalRunner,
                     progress: Callable[[int], None] | None) -> Iterator[tuple[list[Customer], list[ScreeningResult]]]:
    """Consecutive chunks of the plan's customers with their results, screened in the runner's workers."""
    sized = replace(runner, chunk_size=min(runner.chunk_size, CHUNK_CUSTOMERS))
    offset = 0
    for count, results in sized.map_partitions(plan.screen, plan.customers):
        if progress:
            progress(count)
        yield plan.customers[offset:offset + count], results
        offset += count


def _apply_chunk(session: Session, plan: _Plan, chunk: list[Customer], results: list[ScreeningResult]) -> None:
    """Write one chunk's hits, retire its customers' hits that no longer hold, and move the checkpoint."""
    low, high = int(chunk[0].id), int(chunk[-1].id)
    stored = {(str(h.customer_id), h.entry_key): h for h in session.scalars(
        select(ScreeningHitRecord).where(ScreeningHitRecord.customer_id.between(low, high)))}
    _apply(session, plan.summary, plan.hashes, results, stored, (low, high))
    for record in session.scalars(select(CustomerRecord).where(CustomerRecord.id.between(low, high))):
        customer_id = str(record.id)
        if plan.screened_as.get(customer_id) == (record.name, record.country, record.address):
            record.needs_screening = False
            if customer_id in plan.normal_forms:
                record.normalized_name = plan.normal_forms[customer_id]
    run = session.get(RescreenRun, plan.run_id)
    if run is not None:
        run.last_customer_id, run.counts = high, plan.summary.counts()
    session.flush()


def _finish(session: Session, plan: _Plan, actor: str) -> RescreenSummary:
    now = datetime.now(UTC)
    for version in session.scalars(select(ListVersionRecord).where(ListVersionRecord.id.in_(plan.version_ids))):
        version.screened_at, version.screened_with = now, matcher_fingerprint()
    run = session.get(RescreenRun, plan.run_id)
    if run is not None:
        run.finished_at, run.counts = now, plan.summary.counts()
    audit.append(session, actor, "customers.rescreened", plan.snapshot.version.id,
                 {**plan.summary.counts(), "run": plan.run_id})
    return plan.summary


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
    normalized, to_store = _normal_form_of(record)
    if to_store is not None:
        record.normalized_name = to_store
    return normalized


def _normal_form_of(record: CustomerRecord) -> tuple[NormalizedName, dict[str, Any] | None]:
    """The customer's name normalised, and what to store when the stored form is missing or stale."""
    stored = record.normalized_name or {}
    if stored.get("fingerprint") == normalizer_fingerprint() and stored.get("original") == record.name:
        return NormalizedName(record.name, tuple(stored["tokens"]), tuple(stored["legal_forms"]),
                              bool(stored["cross_script"]), tuple(stored["raw_tokens"]),
                              tuple(stored.get("cleaned", ()))), None
    normalized = normalize(record.name)
    return normalized, {"fingerprint": normalizer_fingerprint(), "original": record.name,
                        "tokens": list(normalized.tokens), "legal_forms": list(normalized.legal_forms),
                        "cross_script": normalized.cross_script, "raw_tokens": list(normalized.raw_tokens),
                        "cleaned": list(normalized.cleaned)}


def _result(hit: ScreeningHitRecord) -> ScreeningResult:
    return ScreeningResult(str(hit.customer_id), hit.entry_key, hit.score, hit.matched_name, hit.list_version,
                           hit.features)


def _apply(session: Session, summary: RescreenSummary, hashes: dict[str, str], results: list[ScreeningResult],
           stored: dict[tuple[str, str], ScreeningHitRecord], customers: tuple[int, int]) -> None:
    """Write ``results`` over the ``stored`` hits of the customers with ids in the ``customers`` range."""
    verdicts = _valid_verdicts(session, hashes, customers)
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


def _status(result: ScreeningResult, before: str, verdict: str | None) -> str:
    """Where a hit stands now: a still-valid disposition decides; otherwise unreviewed hits are new."""
    if not result.is_hit():
        return "watch"
    if verdict is not None:
        return "cleared" if verdict == "false_positive" else "open"
    return before if before in ("new", "open") else "new"


def _valid_verdicts(session: Session, hashes: dict[str, str],
                    customers: tuple[int, int]) -> dict[tuple[str, str], str]:
    """The latest disposition per pair of the customers in the id range, only where the entry's content is
    what the reviewer saw."""
    verdicts: dict[tuple[str, str], str] = {}
    query = select(DispositionRecord).where(DispositionRecord.customer_id.between(*customers))
    for record in session.scalars(query.order_by(DispositionRecord.id)):
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


@dataclass(frozen=True)
class QueuedGroup:
    """One customer's hits on one listed entity family (an entity's rows at several addresses, a parent and
    its listed affiliates), best first: one line of the review queue."""

    hits: tuple[QueuedHit, ...]

    @property
    def label(self) -> str:
        """'Huawei Technologies Co., Ltd. (3 listed rows) and 33 listed affiliates'."""
        return family_label(_entry_name(self.hits[0]), [_entry_name(queued) for queued in self.hits])


def _entry_name(queued: QueuedHit) -> str:
    return queued.entry.name if queued.entry else queued.hit.matched_name


def grouped_hit_queue(session: Session, status: str = "new", limit: int = 50,
                      offset: int = 0) -> tuple[list[QueuedGroup], int]:
    """``limit`` groups of hits in one status (after the first ``offset``), by customer and listed entity family in the order of
    each group's best score, and how many groups there are: the review queue a person reads, where one
    customer's dozens of rows on one entity never push another entity's hit off the page."""
    ranked = list(session.execute(
        select(ScreeningHitRecord.id, ScreeningHitRecord.customer_id, ScreeningHitRecord.entry_key,
               ScreeningHitRecord.matched_name)
        .where(ScreeningHitRecord.status == status).order_by(ScreeningHitRecord.score.desc(), ScreeningHitRecord.id)))
    entries = listed_entries(session, {key for _id, _customer, key, _matched in ranked})
    families: dict[tuple[int, str], list[int]] = {}
    for hit_id, customer_id, key, matched in ranked:
        name = entries[key].name if key in entries else matched
        families.setdefault((customer_id, entity_family(name)), []).append(hit_id)
    shown = list(families.values())[offset:offset + limit]
    wanted = [hit_id for ids in shown for hit_id in ids]
    found: dict[int, QueuedHit] = {}
    for start in range(0, len(wanted), _KEYS_PER_QUERY):
        query = (select(ScreeningHitRecord, CustomerRecord)
                 .join(CustomerRecord, CustomerRecord.id == ScreeningHitRecord.customer_id)
                 .where(ScreeningHitRecord.id.in_(wanted[start:start + _KEYS_PER_QUERY])))
        found.update((hit.id, QueuedHit(hit, customer, entries.get(hit.entry_key)))
                     for hit, customer in session.execute(query))
    return [QueuedGroup(tuple(found[hit_id] for hit_id in ids)) for ids in shown], len(families)


def hit_count(session: Session, status: str = "new") -> int:
    """How many hits are in one status: the M of "N of M" beside a page of the queue."""
    query = select(func.count()).select_from(ScreeningHitRecord).where(ScreeningHitRecord.status == status)
    return int(session.execute(query).scalar_one())


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
