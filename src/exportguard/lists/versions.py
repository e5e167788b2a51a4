"""Differences between two versions of a list, and the guard that refuses a suspicious new version.

Entries are matched by :attr:`Party.key` (list code and source id, stable across versions). An entry
is *modified* when any of its :meth:`Party.content_fields` differ; the diff names those fields.

The guard checks each list inside a file on its own (a combined file that lost the DPL is refused
though the file as a whole lost 3%), against the largest size of the last few versions of the source
(or, on a first load, the bundled version), and on names as well as counts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from exportguard.lists.model import ListSnapshot, Party

#: Default largest share of a list's entries a new version may drop before it is refused.
DEFAULT_MAX_DROP = 0.10
#: Default largest share of a list's names a new version may replace (a real weekly edition changes few).
DEFAULT_MAX_RENAMED = 0.50
#: A share check fails only when more entries than this are lost or renamed: one entry is a third of a
#: three-entry list (FSE), and such a list legitimately loses one.
MIN_CHANGED_ENTRIES = 2
_PUNCTUATION = re.compile(r"[\W_]+")


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

    @property
    def gone(self) -> frozenset[str]:
        """Keys of the entries whose earlier results no longer stand: the modified and the removed ones (an added
        entry had none)."""
        return frozenset(party.key for party in (*self.changed, *self.removed))

    def summary(self) -> dict[str, int]:
        return {"added": len(self.added), "removed": len(self.removed), "modified": len(self.modified)}


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


@dataclass(frozen=True)
class GuardLimits:
    """How far a new version may move from its reference before it is refused."""

    #: Largest share of a list's reference entries a new version may lose (a truncated download).
    max_drop: float = DEFAULT_MAX_DROP
    #: Largest share of a list's reference names a new version may no longer carry (garbled names).
    max_renamed: float = DEFAULT_MAX_RENAMED


DEFAULT_LIMITS = GuardLimits()


@dataclass(frozen=True)
class Reference:
    """What a new version of a source is measured against, per list code.

    ``counts`` is each list's largest entry count over the last versions (so a run of small cuts cannot
    add up unseen); ``names`` the primary names of the latest. ``described`` says which versions these are.
    """

    counts: Mapping[str, int]
    names: Mapping[str, frozenset[str]]
    described: str

    @classmethod
    def of(cls, latest: ListSnapshot, earlier_counts: Sequence[Mapping[str, int]], described: str) -> Reference:
        counts = dict(list_counts(latest))
        for other in earlier_counts:
            for code, count in other.items():
                counts[code] = max(counts.get(code, 0), count)
        return cls(counts, list_names(latest), described)

    def over(self, fallback: Reference | None) -> Reference:
        """This reference, with the fallback's figures for the lists this one has never seen."""
        if fallback is None:
            return self
        counts = {**fallback.counts, **self.counts}
        names = {**fallback.names, **self.names}
        return Reference(counts, names, f"{self.described}; other lists: {fallback.described}")


@dataclass(frozen=True)
class GuardFailure:
    """One failed check, with the figures that failed it."""

    check: str
    list_code: str
    message: str

    def __str__(self) -> str:
        return f"{self.check} [{self.list_code}]: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "list": self.list_code, "message": self.message}


class VersionRefused(ValueError):
    """A new list version that would not be made current; the last good version stays."""

    def __init__(self, failures: Sequence[GuardFailure], reference: str = ""):
        self.failures = tuple(failures)
        self.reference = reference
        against = f" (measured against {reference})" if reference else ""
        super().__init__("; ".join(map(str, self.failures)) + f"{against}; the version in force stays")


def list_counts(snapshot: ListSnapshot) -> dict[str, int]:
    """Entries per list code."""
    return dict(Counter(party.list_code for party in snapshot.parties))


def list_names(snapshot: ListSnapshot) -> dict[str, frozenset[str]]:
    """Each list's primary names, compared without case, spacing or punctuation."""
    names: dict[str, set[str]] = {}
    for party in snapshot.parties:
        names.setdefault(party.list_code, set()).add(_comparable(party.name))
    return {code: frozenset(found) for code, found in names.items()}


def _comparable(name: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", name.casefold()).split())


GuardCheck = Callable[[ListSnapshot, Reference, GuardLimits], Iterator[GuardFailure]]


def list_vanished(new: ListSnapshot, reference: Reference, limits: GuardLimits) -> Iterator[GuardFailure]:
    """A list the reference holds is absent from the new version: a combined file missing a whole list."""
    present = list_counts(new)
    for code, count in sorted(reference.counts.items()):
        if count and not present.get(code):
            yield GuardFailure("list_vanished", code, f"the {code} list ({count:,} entries) is missing")


def list_shrank(new: ListSnapshot, reference: Reference, limits: GuardLimits) -> Iterator[GuardFailure]:
    """A list loses more than the allowed share of its largest recent size: the signature of a cut file."""
    present = list_counts(new)
    for code, count in sorted(reference.counts.items()):
        kept = present.get(code, 0)
        if kept and count - kept > MIN_CHANGED_ENTRIES and (count - kept) / count > limits.max_drop:
            yield GuardFailure("list_shrank", code, f"{kept:,} entries where there were {count:,} "
                               f"({(count - kept) / count:.1%} fewer; at most {limits.max_drop:.0%} allowed)")


def names_replaced(new: ListSnapshot, reference: Reference, limits: GuardLimits) -> Iterator[GuardFailure]:
    """Most names of a list differ from the reference's although entries remain: garbled or mis-mapped names."""
    present = list_names(new)
    for code, names in sorted(reference.names.items()):
        current = present.get(code)
        gone = len(names - current) if current else 0
        if not current or gone <= MIN_CHANGED_ENTRIES:
            continue
        missing = gone / len(names)
        if missing > limits.max_renamed:
            yield GuardFailure("names_replaced", code, f"{missing:.1%} of the {len(names):,} names are gone "
                               f"(at most {limits.max_renamed:.0%} allowed)")


#: Every check a new version must pass, in the order they are reported.
CHECKS: tuple[GuardCheck, ...] = (list_vanished, list_shrank, names_replaced)


def guard_failures(new: ListSnapshot, reference: Reference, limits: GuardLimits = DEFAULT_LIMITS) -> list[GuardFailure]:
    """Every check the new version fails against the reference (empty: it may be put in force)."""
    return [failure for check in CHECKS for failure in check(new, reference, limits)]


def guard(new: ListSnapshot, reference: Reference | None, limits: GuardLimits = DEFAULT_LIMITS) -> None:
    """Refuse (raise :class:`VersionRefused`) a version failing any check; nothing to compare with passes."""
    failures = guard_failures(new, reference, limits) if reference else []
    if failures:
        raise VersionRefused(failures, reference.described if reference else "")
