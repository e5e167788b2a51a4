"""What changed between the lists last screened and those in force, from the stored keys and content hashes.

A delta re-screen needs the entries added, modified and removed since the lists it last screened. Reading
the earlier versions back whole (every entry's JSON, as :func:`exportguard.store.customer_store.combined`
does for the versions in force) to :func:`exportguard.lists.versions.diff` them costs as much as reading the
new ones; the keys and content hashes stored beside each entry tell the same, and only the few entries
removed or modified are read back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from exportguard.lists.bundled import bundled_parts
from exportguard.lists.model import ListSnapshot, Party
from exportguard.lists.versions import ListDiff, Modified, changed_fields, content_hash
from exportguard.store.list_store import party_from_json
from exportguard.store.monitoring import ListEntryRecord, ListVersionRecord

#: Entry rows read back per query, well under every database's limit of bound parameters.
_ROWS_PER_QUERY = 500


@dataclass(frozen=True)
class _Entry:
    """Where an entry of a layered snapshot comes from: a stored version's row (with its stored content hash), or
    a bundled part's party."""

    row: int | Party
    stored_hash: str = ""

    def content_hash(self) -> str:
        """The stored hash; a bundled party's worked out now (only those compared with another version's)."""
        return content_hash(self.row) if isinstance(self.row, Party) else self.stored_hash


def changes_since(session: Session, screened: list[ListVersionRecord], versions: list[ListVersionRecord],
                  new: ListSnapshot) -> ListDiff:
    """``diff(combined(session, screened), new)``, where ``new`` is ``combined(session, versions)``: a list taken
    from the same version on both sides is unchanged; the others' entries are compared by their stored content
    hashes, and only the parties removed or modified are read back from the store."""
    before_parts, after_parts = _layers(session, screened), _layers(session, versions)
    moved = {code for code in {*before_parts, *after_parts}
             if _source(before_parts, code) != _source(after_parts, code)}
    before, after = _entries(session, before_parts, moved), _entries(session, after_parts, moved)
    differing = [key for key, entry in after.items()
                 if key in before and before[key].content_hash() != entry.content_hash()]
    old = _parties(session, [before[key] for key in differing] + [entry for key, entry in before.items()
                                                                  if key not in after])
    parties = new.by_key()
    modified = [Modified(old[key], parties[key], fields) for key in differing
                if (fields := changed_fields(old[key], parties[key]))]
    return ListDiff(added=tuple(party for key, party in parties.items() if key in after and key not in before),
                    removed=tuple(old[key] for key in before if key not in after), modified=tuple(modified))


#: A part of a layered snapshot: a stored version, or a bundled part.
_Part = ListVersionRecord | ListSnapshot


def _source(layers: dict[str, tuple[int, str, _Part]], code: str) -> str | None:
    """The version id a list is taken from, if any."""
    return layers[code][1] if code in layers else None


def _layers(session: Session, versions: list[ListVersionRecord]) -> dict[str, tuple[int, str, _Part]]:
    """List code -> the part ``combined(session, versions)`` takes it from (as :func:`exportguard.lists.model.layered`
    does: the most recently loaded version that has it, else the bundled lists), as (the part's place in the
    layering, its version id, the part)."""
    parts: list[_Part] = [*sorted(versions, key=lambda version: version.loaded_at, reverse=True), *bundled_parts()]
    layers: dict[str, tuple[int, str, _Part]] = {}
    for place, part in enumerate(parts):
        for code in _lists_of(session, part):
            layers.setdefault(code, (place, _version_id(part), part))
    return layers


def _version_id(part: _Part) -> str:
    return part.id if isinstance(part, ListVersionRecord) else part.version.id


def _lists_of(session: Session, part: _Part) -> set[str]:
    """The list codes a part holds: counted at load for a stored version (read from its keys for one stored
    without the counts)."""
    if isinstance(part, ListSnapshot):
        return {party.list_code for party in part.parties}
    if part.list_counts is not None:
        return set(part.list_counts)
    keys = session.scalars(select(ListEntryRecord.entry_key).where(ListEntryRecord.version_id == part.id))
    return {_list_code(key) for key in keys}


def _list_code(key: str) -> str:
    """The list code of an entry key (:attr:`Party.key`: the list code and the source id)."""
    return key.partition(":")[0]


def _entries(session: Session, layers: dict[str, tuple[int, str, _Part]], codes: set[str]) -> dict[str, _Entry]:
    """Entry key -> where it comes from, of the lists ``codes``, in the layered snapshot's order."""
    taken: dict[int, tuple[_Part, set[str]]] = {}
    for code in codes & layers.keys():
        place, _id, part = layers[code]
        taken.setdefault(place, (part, set()))[1].add(code)
    entries: dict[str, _Entry] = {}
    for _place, (part, lists) in sorted(taken.items(), key=lambda item: item[0]):
        if isinstance(part, ListSnapshot):
            entries.update((party.key, _Entry(party)) for party in part.parties
                           if party.list_code in lists)
            continue
        query = (select(ListEntryRecord.id, ListEntryRecord.entry_key, ListEntryRecord.content_hash)
                 .where(ListEntryRecord.version_id == part.id).order_by(ListEntryRecord.id))
        entries.update((key, _Entry(row, hashed)) for row, key, hashed in session.execute(query)
                       if _list_code(key) in lists)
    return entries


def _parties(session: Session, entries: list[_Entry]) -> dict[str, Party]:
    """The parties of ``entries`` by key: bundled ones as they are, stored ones read back."""
    parties = {party.key: party for entry in entries if isinstance(party := entry.row, Party)}
    rows = [entry.row for entry in entries if isinstance(entry.row, int)]
    for start in range(0, len(rows), _ROWS_PER_QUERY):
        query = select(ListEntryRecord.party).where(ListEntryRecord.id.in_(rows[start:start + _ROWS_PER_QUERY]))
        parties.update((party.key, party) for party in map(party_from_json, session.scalars(query)))
    return parties
