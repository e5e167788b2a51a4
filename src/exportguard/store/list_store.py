"""Persisting list versions: every load is a new version; a refused file leaves the current one in force."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exportguard.lists import bundled
from exportguard.lists.model import FRCitation, ListSnapshot, ListVersion, Party
from exportguard.lists.versions import (
    DEFAULT_LIMITS,
    GuardFailure,
    GuardLimits,
    ListDiff,
    Reference,
    VersionRefused,
    content_hash,
    diff,
    guard_failures,
    list_counts,
)
from exportguard.store import audit
from exportguard.store.monitoring import ListEntryRecord, ListVersionRecord

#: How many recent versions of a source the guard measures a new one against.
GUARD_HISTORY = 5


@dataclass(frozen=True)
class LoadOutcome:
    """The version now in force and how it differs from the one before (None for a first load)."""

    version_id: str
    changes: ListDiff | None
    already_loaded: bool = False
    #: The checks an admin overrode with ``force_reason`` (empty when the version passed).
    overridden: tuple[GuardFailure, ...] = ()
    #: What the guard measured the version against.
    reference: str = ""


def party_json(party: Party) -> dict[str, Any]:
    """A party as plain JSON (dates as ISO strings, citations as [volume, page])."""
    data = asdict(party)
    data["raw"] = dict(party.raw)
    return json.loads(json.dumps(data, default=str))


def party_from_json(data: dict[str, Any]) -> Party:
    """The inverse of :func:`party_json`."""
    fields = dict(data)
    for name in ("aliases", "addresses", "countries", "programs"):
        fields[name] = tuple(fields[name])
    fields["fr_citations"] = tuple(FRCitation(c["volume"], c["page"]) for c in fields["fr_citations"])
    for name in ("start_date", "end_date"):
        fields[name] = date.fromisoformat(fields[name]) if fields[name] else None
    return Party(**fields)


def current_version(session: Session, source: str) -> ListVersionRecord | None:
    """The version of ``source`` in force, if any was loaded."""
    query = select(ListVersionRecord).where(ListVersionRecord.source == source, ListVersionRecord.current)
    return session.scalars(query).first()


def snapshot_of(session: Session, version: ListVersionRecord) -> ListSnapshot:
    """The parties stored for a version, in load order, dated as recorded."""
    query = select(ListEntryRecord.party).where(ListEntryRecord.version_id == version.id).order_by(ListEntryRecord.id)
    parties = tuple(party_from_json(data) for data in session.scalars(query))
    meta = ListVersion(version.source, version.as_of, version.content_hash, version.party_count, version.file_name)
    return ListSnapshot(meta, parties, provenance=version.origin or version.file_name)


def record_version(session: Session, snapshot: ListSnapshot, actor: str, limits: GuardLimits = DEFAULT_LIMITS,
                   *, force_reason: str | None = None, origin: str | None = None) -> LoadOutcome:
    """Store a loaded snapshot as the new current version of its source, if it passes the guard.

    A version failing any guard check raises :class:`VersionRefused` (nothing is written; the version in
    force stays) unless an admin gives ``force_reason``, which is recorded with the version and audited.
    """
    version = snapshot.version
    existing = session.get(ListVersionRecord, version.id)
    if existing is not None and existing.current:
        return LoadOutcome(version.id, None, already_loaded=True)
    current = current_version(session, version.source)
    in_force = snapshot_of(session, current) if current else None
    reference = reference_for(session, version.source, in_force)
    failures = guard_failures(snapshot, reference, limits) if reference else []
    if failures and not force_reason:
        raise VersionRefused(failures, reference.described if reference else "")
    return _put_in_force(session, snapshot, actor, origin, reference.described if reference else None,
                         tuple(failures), force_reason, in_force)


def record_bundled(session: Session, actor: str) -> list[LoadOutcome]:
    """Record the bundled lists as the first versions in force, as screening uses them with none loaded.

    They are the guard's baseline, so nothing is measured; the most authoritative part is recorded last
    (the newest load of a list wins, :func:`exportguard.store.customer_store.combined`).
    """
    loaded = []
    for part in reversed(bundled.parts_in_use()):
        current = current_version(session, part.version.source)
        in_force = snapshot_of(session, current) if current else None
        loaded.append(_put_in_force(session, part, actor, part.provenance, "the bundle itself", (), None, in_force))
    return loaded


def _put_in_force(session: Session, snapshot: ListSnapshot, actor: str, origin: str | None, reference: str | None,
                  failures: tuple[GuardFailure, ...], force_reason: str | None,
                  in_force: ListSnapshot | None) -> LoadOutcome:
    version = snapshot.version
    existing = session.get(ListVersionRecord, version.id)
    current = current_version(session, version.source)
    changes = diff(in_force, snapshot) if current and in_force else None
    if current:
        current.current = False
    if existing is not None:
        existing.current = True
    else:
        _insert(session, snapshot, actor, current.id if current else None, origin)
    record = existing or session.get(ListVersionRecord, version.id)
    assert record is not None
    record.forced_reason = force_reason if failures else None
    details: dict[str, Any] = {"file": version.file_name, "entries": version.party_count, "origin": origin,
                               "as_of": version.as_of, "previous": current.id if current else None,
                               "reference": reference, **(changes.summary() if changes else {})}
    if failures:
        audit.append(session, actor, "list.version_forced", version.id,
                     {**details, "reason": force_reason, "failed_checks": [f.to_dict() for f in failures]})
    audit.append(session, actor, "list.version_loaded", version.id, details)
    return LoadOutcome(version.id, changes, overridden=failures, reference=reference or "")


def record_refusal(session: Session, actor: str, subject: str, reason: Exception, origin: str | None = None) -> None:
    """Audit a file that was refused (by the guard or as malformed): who tried, what, and which check failed."""
    failures = [f.to_dict() for f in reason.failures] if isinstance(reason, VersionRefused) else []
    audit.append(session, actor, "list.version_refused", subject,
                 {"origin": origin, "error": str(reason), "failed_checks": failures})


def reference_for(session: Session, source: str, in_force: ListSnapshot | None = None,
                  history: int = GUARD_HISTORY) -> Reference | None:
    """What a new version of ``source`` must be measured against: per list, the largest of its last
    ``history`` versions; for lists none of them had (every list on a first load), the bundled lists
    as screening uses them. None when neither exists (a source the package does not bundle, first load)."""
    query = (select(ListVersionRecord).where(ListVersionRecord.source == source)
             .order_by(ListVersionRecord.loaded_at.desc()).limit(history))
    recent = list(session.scalars(query))
    if recent:
        latest = current_version(session, source) or recent[0]
        earlier = [_counts(session, record) for record in recent if record.id != latest.id]
        described = f"the largest of the last {len(recent)} {source} versions (in force: {latest.id})"
        latest_snapshot = in_force if in_force is not None else snapshot_of(session, latest)
        return Reference.of(latest_snapshot, earlier, described).over(baseline_reference(source))
    return baseline_reference(source)


def baseline_reference(source: str) -> Reference | None:
    """The bundled lists (as screening uses them) that a source carries, for measuring its first load."""
    own = bundled.baseline_for(source)
    if own is None:
        return None
    carried = {party.list_code for party in own.parties}
    layered = bundled.default_snapshot()
    parts = ", ".join(sorted({d.version_id for d in layered.list_dates() if d.list_code in carried}))
    baseline = ListSnapshot(layered.version, tuple(p for p in layered.parties if p.list_code in carried))
    return Reference.of(baseline, [], f"the bundled baseline ({parts})")


def _counts(session: Session, record: ListVersionRecord) -> dict[str, int]:
    return record.list_counts if record.list_counts is not None else list_counts(snapshot_of(session, record))


def _insert(session: Session, snapshot: ListSnapshot, actor: str, previous_id: str | None,
            origin: str | None) -> None:
    version = snapshot.version
    session.add(ListVersionRecord(
        id=version.id, source=version.source, content_hash=version.content_hash, file_name=version.file_name,
        party_count=version.party_count, loaded_at=datetime.now(UTC), loaded_by=actor, current=True,
        previous_id=previous_id, as_of=version.as_of, origin=origin or snapshot.provenance or None,
        list_counts=list_counts(snapshot),
    ))
    session.flush()
    session.add_all(
        ListEntryRecord(version_id=version.id, entry_key=party.key, content_hash=content_hash(party),
                        party=party_json(party))
        for party in snapshot.parties
    )
    session.flush()


def versions(session: Session) -> list[ListVersionRecord]:
    """Every stored version, newest first."""
    return list(session.scalars(select(ListVersionRecord).order_by(ListVersionRecord.loaded_at.desc())))


def resolve_version(session: Session, reference: str) -> ListVersionRecord | None:
    """A stored version by id, by ``SOURCE@current`` / ``SOURCE@previous``, or by a unique prefix of its id."""
    found = session.get(ListVersionRecord, reference)
    if found is not None:
        return found
    source, _, which = reference.partition("@")
    if which in {"current", "latest"}:
        return current_version(session, source)
    if which == "previous":
        current = current_version(session, source)
        return session.get(ListVersionRecord, current.previous_id) if current and current.previous_id else None
    matches = list(session.scalars(select(ListVersionRecord).where(ListVersionRecord.id.startswith(reference,
                                                                                                  autoescape=True))))
    return matches[0] if len(matches) == 1 else None
