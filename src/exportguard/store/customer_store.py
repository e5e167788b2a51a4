"""Customers, their screening hits and reviewers' dispositions, kept in step with list versions."""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import astuple, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, Text, and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from exportguard.batch.delta import ChangedOrFresh, DeltaScreen, delta_screener, largest_move
from exportguard.batch.runner import (
    WATCH_MARGIN,
    Customer,
    FullScreen,
    LocalRunner,
    ScreeningResult,
    unscreenable_reason,
)
from exportguard.heap import collector_paused
from exportguard.lists.bundled import bundled_parts, default_snapshot
from exportguard.lists.model import ListSnapshot, Party, layered
from exportguard.lists.versions import content_hash
from exportguard.matching.grouping import entity_family, family_label
from exportguard.matching.normalize import NormalizedName, normalize, normalizer_fingerprint
from exportguard.matching.screener import Screener, matcher_fingerprint, with_native_names
from exportguard.store import audit
from exportguard.store.list_changes import changes_since
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


#: Customers that could not be screened listed by a re-screen's summary, with why (all of them are counted).
UNSCREENABLE_LISTED = 100


@dataclass
class RescreenSummary:
    """What a re-screen changed: hits new to review, hits retired, hits whose entry changed; and the customers
    it could not screen (INDETERMINATE: their name or country is refused), which have no answer at all."""

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
    #: How many customers could not be screened, and the first ``UNSCREENABLE_LISTED`` of them: {"id": the
    #: stored id, "customer": the company's reference, "reason": why the screener refused it}.
    unscreenable: int = 0
    unscreenable_listed: list[dict[str, Any]] = field(default_factory=list)
    #: The largest move of a recorded score on an entry the lists left unchanged (delta runs): how far the new
    #: version's word weights moved scores this time (see :data:`DRIFT_BUDGET`).
    drift: float = 0.0

    def note_drift(self, results: Iterable[ScreeningResult], before: dict[tuple[str, str], float],
                   gone: frozenset[str]) -> None:
        """Take in how far ``results`` moved the scores recorded ``before`` on entries not ``gone`` (changed or
        removed: their scores are another entry's)."""
        self.drift = max(self.drift, largest_move(results, before, gone))

    def counts(self) -> dict[str, Any]:
        def total(kind: str, found: list[int]) -> int:
            return int(self.carried.get(kind, 0)) + len(found)

        return {"version": self.version, "mode": self.mode, "reason": self.reason, "customers": self.customers,
                "new": total("new", self.new), "retired": total("retired", self.retired),
                "changed": total("changed", self.changed), "resumed_after": self.resumed_after,
                "unscreenable": int(self.carried.get("unscreenable", 0)) + self.unscreenable,
                "unscreenable_customers": self.listed_unscreenable(),
                "drift": round(max(float(self.carried.get("drift", 0.0)), self.drift), 4)}

    def listed_unscreenable(self) -> list[dict[str, Any]]:
        """The customers listed as not screened, those of the run's chunks committed before a resume first."""
        return [*self.carried.get("unscreenable_customers", ()), *self.unscreenable_listed][:UNSCREENABLE_LISTED]


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
    """Insert or update customers by external reference; returns (added, updated). Refuses them all when any
    has a name or country the screener refuses (:func:`unscreenable_reason`): none is stored that a re-screen
    cannot answer for."""
    rows = list(rows)
    refused = [(row.id, reason) for row in rows if (reason := unscreenable_reason(row))]
    if refused:
        raise MonitoringError(f"{len(refused)} customer(s) cannot be screened, none imported: "
                              + "; ".join(f"{key}: {reason}" for key, reason in refused[:5]))
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


def unscreenable_customers(session: Session, limit: int) -> tuple[list[dict[str, Any]], int]:
    """The first ``limit`` stored customers the screener refuses (name or country), each {"id", "customer",
    "reason"} as a re-screen lists them, and how many there are: read ``CHUNK_CUSTOMERS`` at a time."""
    found: list[dict[str, Any]] = []
    total = after = 0
    columns = (CustomerRecord.id, CustomerRecord.external_ref, CustomerRecord.name, CustomerRecord.country)
    while records := session.execute(select(*columns).where(CustomerRecord.id > after)
                                      .order_by(CustomerRecord.id).limit(CHUNK_CUSTOMERS)).all():
        for number, reference, name, country in records:
            reason = unscreenable_reason(Customer(reference, name, country))
            if reason:
                total += 1
                if len(found) < limit:
                    found.append({"id": number, "customer": reference, "reason": reason})
        after = records[-1][0]
    return found, total


def last_unscreenable(session: Session) -> dict[str, Any]:
    """The customers the last finished re-screen could not screen, as its summary counted and listed them."""
    counts: dict[str, Any] = next((counts for _mode, counts in _finished_runs(session)), {})
    return {"unscreenable": int(counts.get("unscreenable", 0)),
            "unscreenable_customers": list(counts.get("unscreenable_customers", ()))}


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


#: Customers read, screened, then committed, at a time by :func:`rescreen_in_chunks`: each commit holds the
#: write lock for a few tens of milliseconds, and is the checkpoint a killed run resumes after.
CHUNK_CUSTOMERS = 500

#: Customers read, screened, then committed, at a time by a delta re-screen. Most of them are only looked over
#: for the list changes (a test of their names' words), few are screened and fewer written, so a chunk of
#: ``CHUNK_CUSTOMERS`` would be mostly fixed costs: its commit, and the selection's set-up in the worker. A killed
#: delta re-screen resumes after its last committed chunk: it re-does at most this many customers.
DELTA_CHUNK_CUSTOMERS = 10_000

#: A stored customer as sent to a worker process: id, name, country, address, its name's normal form (the stored
#: JSON, which the worker reads, or the fields of a form just made where the stored one was missing or stale),
#: whether it was added or changed since the last re-screen, and the unchanged entries it has results on (what a
#: delta re-screen looks at again).
StoredRow = tuple[str, str, str | None, str | None, str | tuple[Any, ...], bool, tuple[str, ...]]


@dataclass(frozen=True)
class StoredScreen:
    """Screens a chunk of :data:`StoredRow`: every customer in full, or in a delta run (``changed`` set)
    customers added or changed in full and the others against the list changes (:class:`DeltaScreen`)."""

    full: FullScreen
    changed: Screener | None = None
    #: The delta screens' answers by question, kept from chunk to chunk in each worker: a customer master repeats
    #: its parties far apart (ids in import order), beyond the reach of one chunk.
    answered: dict[tuple[object, ...], list[ScreeningResult]] = field(default_factory=dict, compare=False, repr=False)

    def __call__(self, rows: Sequence[StoredRow]) -> list[ScreeningResult]:
        # The stored forms are read here, in the workers: reading them all in the parent, which reads and writes
        # every chunk, made it the bottleneck of a delta re-screen.
        customers = [Customer(key, name, country, address,
                              NormalizedName(*(_form_fields(json.loads(form)) if isinstance(form, str) else form)))
                     for key, name, country, address, form, _fresh, _recorded in rows]
        if self.changed is None:
            return self.full(customers)
        recorded = {row[0]: frozenset(row[6]) for row in rows if row[6]}
        delta = DeltaScreen(self.full.screener, self.changed, recorded, self.full.threshold, self.answered)
        return ChangedOrFresh(self.full, delta, frozenset(row[0] for row in rows if row[5]))(customers)


class _EntryHashes(dict[str, str | None]):
    """Content hash by key of the entries in force (None: none in force), each worked out when first asked for:
    only the entries a disposition in the re-screened customers names are."""

    def __init__(self, parties: dict[str, Party]) -> None:
        super().__init__()
        self.parties = parties

    def __missing__(self, key: str) -> str | None:
        party = self.parties.get(key)
        self[key] = found = None if party is None else content_hash(party)
        return found


@dataclass
class _Plan:
    """What a re-screen run screens, with what, and what it has to write back."""

    version_ids: list[str]
    snapshot: ListSnapshot
    screen: StoredScreen
    #: Customers after this id are still to screen (the checkpoint when resuming, else 0).
    after: int
    #: Entries changed or removed since the last re-screen (delta runs): results on them are not recorded.
    gone: frozenset[str]
    hashes: _EntryHashes
    summary: RescreenSummary
    resume_run: int | None
    abandon_run: int | None
    run_id: int = 0


@dataclass(frozen=True)
class _Chunk:
    """Consecutive stored customers as read for screening, with what writing their results back needs."""

    rows: list[StoredRow]
    #: Customer id -> (name, country, address) as screened: a customer changed meanwhile stays due.
    screened_as: dict[int, tuple[str, str | None, str | None]]
    #: Customer id -> its name's normal form, where the stored one was missing or stale.
    normal_forms: dict[int, dict[str, Any]]

    @property
    def ids(self) -> tuple[int, int]:
        return int(self.rows[0][0]), int(self.rows[-1][0])


def rescreen_in_chunks(factory: sessionmaker[Session], actor: str, runner: LocalRunner | None = None,
                       progress: Callable[[int], None] | None = None, full: bool = False,
                       resume_only: bool = False, screener: Screener | None = None) -> RescreenSummary:
    """Bring every customer's hits up to the lists in force, ``CHUNK_CUSTOMERS`` at a time.

    Customers are read a chunk at a time (never all in memory), screened in the runner's workers, and each
    chunk's hits are written in a short transaction that also moves the run's checkpoint; nothing is locked
    while screening. A run that was killed is resumed after its checkpoint by the next call when the lists
    in force are the same (``resume_only``: only resume, refuse otherwise); with other lists in force, or
    ``full``, it is abandoned and every customer is screened in full.

    ``screener``: the caller's screener over the lists in force (a server's, :func:`with_native_names` built
    over them), used when it is over the very versions in force instead of building another.
    """
    runner = runner or LocalRunner()
    with factory() as session:
        plan = _plan(session, runner, full, resume_only, screener)
    with write_transaction(factory) as session:
        _claim(session, plan, actor)
    with _collector_for(plan):
        for chunk, results in _screened_chunks(plan, runner, factory, progress):
            with write_transaction(factory) as session:
                _apply_chunk(session, plan, chunk, results)
    with write_transaction(factory) as session:
        return _finish(session, plan, actor)


def rescreen_customers(session: Session, actor: str, runner: LocalRunner | None = None,
                       progress: Callable[[int], None] | None = None, full: bool = False,
                       screener: Screener | None = None) -> RescreenSummary:
    """As :func:`rescreen_in_chunks`, all inside the caller's transaction (all or nothing)."""
    runner = runner or LocalRunner()
    plan = _plan(session, runner, full, resume_only=False, screener=screener)
    _claim(session, plan, actor)
    with _collector_for(plan):
        for chunk, results in _screened_chunks(plan, runner, lambda: nullcontext(session), progress):
            _apply_chunk(session, plan, chunk, results)
    return _finish(session, plan, actor)


def _collector_for(plan: _Plan) -> AbstractContextManager[None]:
    """The collector paused through a delta run's chunks, as through the in-memory delta re-screen (its workers,
    forked meanwhile, inherit that): each chunk is thousands of customers read, sent and looked over at once, which
    every collection would walk again (it cost the parent a third of its time); what cyclic garbage the run leaves
    is collected after it. A full run's chunks are small and its workers screen for minutes: the collector stays
    on."""
    return collector_paused() if plan.screen.changed is not None else nullcontext()


def _plan(session: Session, runner: LocalRunner, full: bool, resume_only: bool,
          screener: Screener | None = None) -> _Plan:
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
    screened = _last_screened(session)
    if resuming and unfinished is not None:
        mode, reason, after = unfinished.mode, unfinished.reason, unfinished.last_customer_id
    else:
        interrupted = "an interrupted re-screen was against other list versions" if unfinished else ""
        reason = _full_rescreen_reason(screened, full, _drift_since_full(session)) or interrupted
        mode, after = ("full" if reason else "delta"), 0
        reason = reason or "list changes since the last re-screen, and customers added or changed"
    with collector_paused():
        new = combined(session, versions)
        if screener is None or screener.list_version != new.version.id:
            screener = with_native_names(new)
        screen = StoredScreen(FullScreen(screener, runner.threshold))
        gone: frozenset[str] = frozenset()
        if mode == "delta":
            changes = changes_since(session, screened, versions, new)
            gone = changes.gone
            screen = replace(screen, changed=delta_screener(new, changes, screen.full.screener))
    total = session.scalar(select(func.count()).select_from(CustomerRecord)) or 0
    summary = RescreenSummary(new.version.id, total, mode=mode, reason=reason, resumed_after=after,
                              carried=dict(unfinished.counts) if resuming and unfinished else {})
    resume_run = unfinished.id if resuming and unfinished else None
    abandon_run = unfinished.id if unfinished and not resuming else None
    return _Plan(version_ids, new, screen, after, gone, _EntryHashes(new.by_key()), summary, resume_run, abandon_run)


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


def _screened_chunks(plan: _Plan, runner: LocalRunner, reading: Callable[[], AbstractContextManager[Session]],
                     progress: Callable[[int], None] | None) -> Iterator[tuple[_Chunk, list[ScreeningResult]]]:
    """The plan's customers a chunk at a time with their results, screened in the runner's workers while
    the next chunks are read (in a short session each, from ``reading``) and earlier ones written back."""
    read: deque[_Chunk] = deque()

    def chunks() -> Iterator[list[StoredRow]]:
        size = DELTA_CHUNK_CUSTOMERS if plan.screen.changed is not None else min(runner.chunk_size, CHUNK_CUSTOMERS)
        for chunk in _stored_chunks(plan, reading, size):
            read.append(chunk)
            yield chunk.rows

    for count, results in runner.stream(plan.screen, chunks()):
        if progress:
            progress(count)
        yield read.popleft(), results


def _stored_chunks(plan: _Plan, reading: Callable[[], AbstractContextManager[Session]],
                   size: int) -> Iterator[_Chunk]:
    """Customers after the plan's checkpoint in id order, ``size`` at a time, read as they stand now: one
    added during the run is screened too, one changed is screened as it reads (and stays due if it changes
    again before its chunk is written)."""
    after = plan.after
    stored = CustomerRecord.normalized_name
    # Whether the stored form is the current normaliser's, of the name as it reads (else it is made anew and
    # stored), told by the database: the form itself is read as text, for the worker to read.
    current = and_(stored["fingerprint"].as_string() == normalizer_fingerprint(),
                   stored["original"].as_string() == CustomerRecord.name)
    columns = (CustomerRecord.id, CustomerRecord.name, CustomerRecord.country, CustomerRecord.address,
               CustomerRecord.needs_screening, stored.cast(Text), current)
    while True:
        with reading() as session:
            records = session.execute(select(*columns).where(CustomerRecord.id > after)
                                      .order_by(CustomerRecord.id).limit(size)).all()
            if not records:
                return
            low, high = records[0][0], records[-1][0]
            recorded = _recorded(session, plan, (low, high)) if plan.screen.changed is not None else {}
        rows: list[StoredRow] = []
        screened_as: dict[int, tuple[str, str | None, str | None]] = {}
        normal_forms: dict[int, dict[str, Any]] = {}
        for number, name, country, address, fresh, text, is_current in records:
            form: str | tuple[Any, ...] = text
            if not is_current:
                form, normal_forms[number] = _new_form(name)
            screened_as[number] = (name, country, address)
            rows.append((str(number), name, country, address, form, fresh,
                         () if fresh else recorded.get(number, ())))
        yield _Chunk(rows, screened_as, normal_forms)
        after = high


def _recorded(session: Session, plan: _Plan, ids: tuple[int, int]) -> dict[int, tuple[str, ...]]:
    """Customer id -> the unchanged entries it has results on (hits and near misses), for the ids in range."""
    query = select(ScreeningHitRecord.customer_id, ScreeningHitRecord.entry_key).where(
        ScreeningHitRecord.customer_id.between(*ids), ScreeningHitRecord.status != "retired")
    recorded: dict[int, list[str]] = defaultdict(list)
    for customer_id, entry_key in session.execute(query):
        if entry_key not in plan.gone:
            recorded[customer_id].append(entry_key)
    return {customer_id: tuple(keys) for customer_id, keys in recorded.items()}


def _apply_chunk(session: Session, plan: _Plan, chunk: _Chunk, results: list[ScreeningResult]) -> None:
    """Write one chunk's hits, retire its customers' hits that no longer hold, and move the checkpoint: a few
    set-based statements, no ORM object per hit or customer."""
    low, high = chunk.ids
    # The mapped columns, not the table's, so the caller's pending changes are flushed first (autoflush).
    rows = session.execute(select(ScreeningHitRecord.id, ScreeningHitRecord.customer_id, ScreeningHitRecord.entry_key,
                                  ScreeningHitRecord.status, ScreeningHitRecord.score)
                           .where(ScreeningHitRecord.customer_id.between(low, high))).all()
    stored = {(str(customer_id), key): (hit_id, status) for hit_id, customer_id, key, status, _score in rows}
    if plan.summary.mode == "delta":
        # A customer added or changed since the last re-screen moved its scores itself.
        fresh = {row[0] for row in chunk.rows if row[5]}
        plan.summary.note_drift([result for result in results if result.customer_id not in fresh],
                                {(str(customer_id), key): score for _id, customer_id, key, status, score in rows
                                 if status != "retired"}, plan.gone)
    refused = {int(result.customer_id): result.features for result in results if not result.screened}
    if refused:
        results = [result for result in results if result.screened]
        # Their hits stand as they were: nothing backs retiring them, nor confirming them.
        stored = {pair: hit for pair, hit in stored.items() if int(pair[0]) not in refused}
        _note_unscreenable(session, plan.summary, refused)
    _apply(session, plan.summary, plan.hashes, results, stored, (low, high))
    due = select(CustomerRecord.id, CustomerRecord.name, CustomerRecord.country, CustomerRecord.address).where(
        CustomerRecord.id.between(low, high), CustomerRecord.needs_screening)
    screened = [number for number, *fields in session.execute(due)
                if chunk.screened_as.get(number) == tuple(fields) and number not in refused]
    if screened:
        session.execute(update(CustomerRecord).where(CustomerRecord.id.in_(screened)).values(needs_screening=False))
    if chunk.normal_forms:
        # Only where the name is still the one normalised: a rename meanwhile stored its own form.
        customers = _table(CustomerRecord)
        session.execute(update(customers).where(customers.c.id == bindparam("number"),
                                                customers.c.name == bindparam("screened_name"))
                        .values(normalized_name=bindparam("form")),
                        [{"number": number, "screened_name": chunk.screened_as[number][0], "form": form}
                         for number, form in chunk.normal_forms.items()])
    session.execute(update(RescreenRun).where(RescreenRun.id == plan.run_id)
                    .values(last_customer_id=high, counts=plan.summary.counts()))
    session.flush()


def _note_unscreenable(session: Session, summary: RescreenSummary, refused: dict[int, str]) -> None:
    """Count and list the customers the screener refused (stored id -> why), and keep them due, so that every
    later re-screen, delta ones included, screens them in full and reports them again until they are fixed."""
    summary.unscreenable += len(refused)
    session.execute(update(CustomerRecord).where(CustomerRecord.id.in_(refused)).values(needs_screening=True))
    room = UNSCREENABLE_LISTED - len(summary.listed_unscreenable())
    listed = sorted(refused)[:max(room, 0)]
    if listed:
        references = dict(session.execute(select(CustomerRecord.id, CustomerRecord.external_ref)
                                          .where(CustomerRecord.id.in_(listed))).all())
        summary.unscreenable_listed.extend({"id": number, "customer": references.get(number, ""),
                                            "reason": refused[number]} for number in listed)


def _table(record: type[Any]) -> Table:
    return cast(Table, record.__table__)


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


#: How far the delta re-screens since the last full one may have moved scores, in all (each run's largest move
#: of a recorded score summed), before the next re-screen is full. A delta re-screen does not score a customer
#: on an unchanged entry it had no result on: it counts on WATCH_MARGIN (0.05), which every list change's
#: re-weighting eats into. A run sees the moves of recorded pairs only, and the unrecorded pairs just under the
#: floor move further: on the weekly OFAC SDN change of 2021-08-20 at 200,000 customers (bench/score_drift.py),
#: scores from 0.75 up moved by up to 0.0039, scores from 0.70 to 0.75 by up to 0.0160, 4.1 times as far. A sixth
#: of the margin keeps those, so measured, near 0.034: inside it. Through the store, with the CSL and the SDN in
#: force, that change moved recorded scores by up to 0.0058: after two such changes, the next re-screen is full.
DRIFT_BUDGET = WATCH_MARGIN / 6


def _full_rescreen_reason(screened: list[ListVersionRecord], asked: bool, drift: float) -> str:
    """Why every customer must meet every entry this time, or "" when list changes are enough; ``drift``: how
    far the delta re-screens since the last full one moved scores, in all (:func:`_drift_since_full`)."""
    if asked:
        return "--full asked for"
    if not screened:
        return "first re-screen"
    if any(version.screened_with != matcher_fingerprint() for version in screened):
        # A new matching engine can score any pair differently, not only pairs with changed entries.
        return "the matching engine changed since the last re-screen"
    if drift >= DRIFT_BUDGET:
        return (f"the list changes since the last full re-screen moved scores by up to {drift:.4f} in all, a sixth of "
                f"the {WATCH_MARGIN} near-miss margin or more: a customer without a recorded result may have come "
                "near a hit")
    return ""


def _drift_since_full(session: Session) -> float:
    """The largest score moves of the delta re-screens finished since the last full one, summed."""
    drift = 0.0
    for mode, counts in _finished_runs(session):
        if mode == "full":
            break
        drift += float(counts.get("drift", 0.0))
    return drift


def _finished_runs(session: Session) -> Iterator[tuple[str, dict[str, Any]]]:
    """The mode and counts of each re-screen that finished (not abandoned for other lists), newest first."""
    finished = select(RescreenRun.mode, RescreenRun.counts).where(RescreenRun.finished_at.is_not(None))
    for mode, counts in session.execute(finished.order_by(RescreenRun.id.desc())):
        if not counts.get("abandoned"):
            yield mode, counts


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
        return NormalizedName(*_form_fields(stored)), None
    form, to_store = _new_form(record.name)
    return NormalizedName(*form), to_store


def _form_fields(stored: dict[str, Any]) -> tuple[Any, ...]:
    """The fields of a stored normal form (:func:`_new_form`), in :class:`NormalizedName`'s order."""
    return (stored["original"], tuple(stored["tokens"]), tuple(stored["legal_forms"]), bool(stored["cross_script"]),
            tuple(stored["raw_tokens"]), tuple(stored.get("cleaned", ())))


def _new_form(name: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The fields of the name's normal form, made now, and that form as stored."""
    normalized = normalize(name)
    return astuple(normalized), {
        "fingerprint": normalizer_fingerprint(), "original": name, "tokens": list(normalized.tokens),
        "legal_forms": list(normalized.legal_forms), "cross_script": normalized.cross_script,
        "raw_tokens": list(normalized.raw_tokens), "cleaned": list(normalized.cleaned)}


def _apply(session: Session, summary: RescreenSummary, hashes: _EntryHashes, results: list[ScreeningResult],
           stored: dict[tuple[str, str], tuple[int, str]], customers: tuple[int, int]) -> None:
    """Write ``results`` over the ``stored`` hits ((customer id, entry key) -> (hit id, status)) of the customers
    with ids in the ``customers`` range: new rows inserted, known ones updated and the rest retired, each
    kind in one statement."""
    verdicts = _valid_verdicts(session, hashes, customers)
    now = datetime.now(UTC)
    added: list[dict[str, Any]] = []
    rewritten: list[dict[str, Any]] = []
    for result in results:
        pair = (result.customer_id, result.entry_key)
        hit_id, before = stored.pop(pair, (None, ""))
        status = _status(result, before, verdicts.get(pair))
        if result.is_hit() and status == "new" and before != "new":
            (summary.changed if before in ("open", "cleared") else summary.new).append(int(result.customer_id))
        values = {"score": result.score, "matched_name": result.matched_name, "features": result.features,
                  "list_version": result.list_version, "status": status, "updated_at": now}
        if hit_id is None:
            added.append({"customer_id": int(result.customer_id), "entry_key": result.entry_key, **values})
        else:
            rewritten.append({"hit_id": hit_id, **values})
    hits = _table(ScreeningHitRecord)
    if added:
        session.execute(insert(hits), added)
    if rewritten:
        session.execute(update(hits).where(hits.c.id == bindparam("hit_id")).values(
            {column: bindparam(column) for column in rewritten[0] if column != "hit_id"}), rewritten)
    gone = [hit_id for hit_id, _status in stored.values()]
    summary.retired.extend(int(customer_id) for (customer_id, _key), (_id, status) in stored.items()
                           if status not in ("retired", "watch"))
    for start in range(0, len(gone), _KEYS_PER_QUERY):
        session.execute(update(hits).where(hits.c.id.in_(gone[start:start + _KEYS_PER_QUERY]))
                        .values(status="retired", updated_at=now))
    _forget_loaded_hits(session)


def _forget_loaded_hits(session: Session) -> None:
    """Expire the hit objects a caller's session holds (rescreen_customers runs in the caller's): the
    statements above bypass them, so they are read again when next used."""
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, ScreeningHitRecord):
            session.expire(loaded)


def _status(result: ScreeningResult, before: str, verdict: str | None) -> str:
    """Where a hit stands now: a still-valid disposition decides; otherwise unreviewed hits are new."""
    if not result.is_hit():
        return "watch"
    if verdict is not None:
        return "cleared" if verdict == "false_positive" else "open"
    return before if before in ("new", "open") else "new"


def _valid_verdicts(session: Session, hashes: _EntryHashes,
                    customers: tuple[int, int]) -> dict[tuple[str, str], str]:
    """The latest disposition per pair of the customers in the id range, only where the entry's content is
    what the reviewer saw."""
    verdicts: dict[tuple[str, str], str] = {}
    query = (select(DispositionRecord.customer_id, DispositionRecord.entry_key, DispositionRecord.entry_content_hash,
                    DispositionRecord.verdict)
             .where(DispositionRecord.customer_id.between(*customers)).order_by(DispositionRecord.id))
    for customer_id, entry_key, seen_hash, verdict in session.execute(query):
        pair = (str(customer_id), entry_key)
        if hashes[entry_key] == seen_hash:
            verdicts[pair] = verdict
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
