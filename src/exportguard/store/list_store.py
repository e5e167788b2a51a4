"""Persisting list versions: every load is a new version; a refused file leaves the current one in force."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exportguard.lists.model import FRCitation, ListSnapshot, ListVersion, Party
from exportguard.lists.versions import DEFAULT_MAX_DROP, ListDiff, check_drop, content_hash, diff
from exportguard.store import audit
from exportguard.store.monitoring import ListEntryRecord, ListVersionRecord


@dataclass(frozen=True)
class LoadOutcome:
    """The version now in force and how it differs from the one before (None for a first load)."""

    version_id: str
    changes: ListDiff | None
    already_loaded: bool = False


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
    """The parties stored for a version, in load order."""
    query = select(ListEntryRecord.party).where(ListEntryRecord.version_id == version.id).order_by(ListEntryRecord.id)
    parties = tuple(party_from_json(data) for data in session.scalars(query))
    meta = ListVersion(version.source, None, version.content_hash, version.party_count, version.file_name)
    return ListSnapshot(meta, parties)


def record_version(session: Session, snapshot: ListSnapshot, actor: str,
                   max_drop: float = DEFAULT_MAX_DROP) -> LoadOutcome:
    """Store a loaded snapshot as the new current version, unless it drops too many entries (raises)."""
    version = snapshot.version
    existing = session.get(ListVersionRecord, version.id)
    if existing is not None and existing.current:
        return LoadOutcome(version.id, None, already_loaded=True)
    current = current_version(session, version.source)
    changes = diff(snapshot_of(session, current), snapshot) if current else None
    if current and changes:
        check_drop(current.party_count, changes, max_drop)
        current.current = False
    if existing is not None:
        existing.current = True
    else:
        _insert(session, snapshot, actor, current.id if current else None)
    audit.append(session, actor, "list.version_loaded", version.id,
                 {"file": version.file_name, "entries": version.party_count,
                  "previous": current.id if current else None, **(changes.summary() if changes else {})})
    return LoadOutcome(version.id, changes)


def _insert(session: Session, snapshot: ListSnapshot, actor: str, previous_id: str | None) -> None:
    version = snapshot.version
    session.add(ListVersionRecord(
        id=version.id, source=version.source, content_hash=version.content_hash, file_name=version.file_name,
        party_count=version.party_count, loaded_at=datetime.now(UTC), loaded_by=actor, current=True,
        previous_id=previous_id,
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
