"""What changed between the lists last screened and those in force, from the stored keys and content hashes.

A delta re-screen needs the entries added, modified and removed since the lists it last screened. Reading
the earlier versions back whole (every entry's JSON, as :func:`exportguard.store.customer_store.combined`
does for the versions in force) to :func:`exportguard.lists.versions.diff` them costs as much as reading the
new ones; the keys and content hashes stored beside each entry tell the same, and only the few entries
removed or modified are read back.
"""

from __future__ import annotations

from collections.abc import Iterable
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

    part: str
    row: int | Party
    stored_hash: str = ""

    def content_hash(self) -> str:
        """The stored hash; a bundled party's worked out now (only those compared with another version's)."""
        return content_hash(self.row) if isinstance(self.row, Party) else self.stored_hash


def changes_since(session: Session, screened: list[ListVersionRecord], versions: list[ListVersionRecord],
                  new: ListSnapshot) -> ListDiff:
    """``diff(combined(session, screened), new)``, where ``new`` is ``combined(session, versions)``: entries of
    the same version are the same, others are compared by their stored content hashes, and only the parties
    removed or modified are read back from the store."""
    before, after = _layered_entries(session, screened), _layered_entries(session, versions)
    differing = [key for key, entry in after.items() if key in before and _differ(before[key], entry)]
    old = _parties(session, [before[key] for key in differing] + [entry for key, entry in before.items()
                                                                  if key not in after])
    parties = new.by_key()
    modified = [Modified(old[key], parties[key], fields) for key in differing
                if (fields := changed_fields(old[key], parties[key]))]
    return ListDiff(added=tuple(parties[key] for key in after if key not in before),
                    removed=tuple(old[key] for key in before if key not in after), modified=tuple(modified))


def _differ(before: _Entry, after: _Entry) -> bool:
    return before.part != after.part and before.content_hash() != after.content_hash()


def _layered_entries(session: Session, versions: list[ListVersionRecord]) -> dict[str, _Entry]:
    """Entry key -> where it comes from in ``combined(session, versions)``, in its order: each list from the most
    recently loaded version that has it, else from the bundled lists; read from the stored keys and hashes."""
    claimed: set[str] = set()
    entries: dict[str, _Entry] = {}
    for version in sorted(versions, key=lambda version: version.loaded_at, reverse=True):
        query = (select(ListEntryRecord.id, ListEntryRecord.entry_key, ListEntryRecord.content_hash)
                 .where(ListEntryRecord.version_id == version.id).order_by(ListEntryRecord.id))
        claimed |= _take(entries, claimed, ((key, _Entry(version.id, row, hashed))
                                            for row, key, hashed in session.execute(query)))
    for part in bundled_parts():
        claimed |= _take(entries, claimed, ((party.key, _Entry(part.version.id, party))
                                            for party in part.parties))
    return entries


def _take(entries: dict[str, _Entry], claimed: set[str], part: Iterable[tuple[str, _Entry]]) -> set[str]:
    """Add a part's entries of the lists no earlier part had (as :func:`exportguard.lists.model.layered` does);
    return the lists the part has."""
    lists: set[str] = set()
    for key, entry in part:
        # A key is the list code and the source id (Party.key).
        code = key.partition(":")[0]
        lists.add(code)
        if code not in claimed:
            entries[key] = entry
    return lists


def _parties(session: Session, entries: list[_Entry]) -> dict[str, Party]:
    """The parties of ``entries`` by key: bundled ones as they are, stored ones read back."""
    parties = {party.key: party for entry in entries if isinstance(party := entry.row, Party)}
    rows = [entry.row for entry in entries if isinstance(entry.row, int)]
    for start in range(0, len(rows), _ROWS_PER_QUERY):
        query = select(ListEntryRecord.party).where(ListEntryRecord.id.in_(rows[start:start + _ROWS_PER_QUERY]))
        parties.update((party.key, party) for party in map(party_from_json, session.scalars(query)))
    return parties
