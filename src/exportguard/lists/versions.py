"""Differences between two versions of a list, and the guard that refuses a suspicious new version.

Entries are matched by :attr:`Party.key` (list code and source id, stable across versions). An entry
is *modified* when any of its :meth:`Party.content_fields` differ; the diff names those fields.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from exportguard.lists.model import ListSnapshot, Party

#: Default largest share of the current entries a new version may drop before it is refused.
DEFAULT_MAX_DROP = 0.10


@dataclass(frozen=True)
class Modified:
    """An entry present in both versions whose content changed."""

    old: Party
    new: Party
    fields: tuple[str, ...]

    @property
    def changes(self) -> tuple[tuple[str, object, object], ...]:
        """Each changed field with its old and its new value."""
        before, after = self.old.content_fields(), self.new.content_fields()
        return tuple((name, before.get(name), after.get(name)) for name in self.fields)


@dataclass(frozen=True)
class ListDiff:
    """Added, removed and modified entries between an old and a new version."""

    added: tuple[Party, ...] = ()
    removed: tuple[Party, ...] = ()
    modified: tuple[Modified, ...] = field(default=())

    @property
    def changed(self) -> tuple[Party, ...]:
        """New-version parties a customer could newly match: the added and the modified ones."""
        return (*self.added, *(change.new for change in self.modified))

    def summary(self) -> dict[str, int]:
        return {"added": len(self.added), "removed": len(self.removed), "modified": len(self.modified)}


class VersionRefused(ValueError):
    """A new list version that would not be made current; the last good version stays."""


class NotComparable(ValueError):
    """Two versions of different lists: every entry of one would show as removed, every other as added."""


def content_hash(party: Party) -> str:
    """SHA-256 of an entry's content fields: a disposition made on it holds while this is unchanged."""
    body = json.dumps(party.content_fields(), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def changed_fields(old: Party, new: Party) -> tuple[str, ...]:
    """Names of the content fields whose values differ between two versions of an entry."""
    before, after = old.content_fields(), new.content_fields()
    return tuple(name for name in before if before[name] != after[name])


def diff(old: ListSnapshot, new: ListSnapshot) -> ListDiff:
    """What changed from ``old`` to ``new`` (versions of the same list), in the new version's order."""
    if old.version.source != new.version.source:
        raise NotComparable(f"cannot compare a {old.version.source} version with a {new.version.source} version: "
                            "choose two versions of the same list")
    old_by_key, new_by_key = old.by_key(), new.by_key()
    modified = []
    for key, party in new_by_key.items():
        previous = old_by_key.get(key)
        if previous is not None:
            fields = changed_fields(previous, party)
            if fields:
                modified.append(Modified(previous, party, fields))
    return ListDiff(
        added=tuple(party for key, party in new_by_key.items() if key not in old_by_key),
        removed=tuple(party for key, party in old_by_key.items() if key not in new_by_key),
        modified=tuple(modified),
    )


def check_drop(current_count: int, changes: ListDiff, max_drop: float = DEFAULT_MAX_DROP) -> None:
    """Refuse a version that removes more than ``max_drop`` of the current entries (a truncated download)."""
    if current_count and len(changes.removed) / current_count > max_drop:
        share = len(changes.removed) / current_count
        raise VersionRefused(
            f"new version removes {len(changes.removed)} of {current_count} entries ({share:.0%}), "
            f"more than the allowed {max_drop:.0%}; the current version stays in force"
        )
