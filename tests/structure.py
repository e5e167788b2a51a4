"""A digest of everything a built screener holds, for telling two builds apart or proving them the same.

Every attribute of every object reachable from the screener (the snapshot and its parties with their raw
records, the index's variants, posting lists, deletion and word-end maps, weights and the memos its
vocabulary fills) is walked: lists, tuples and dictionaries in their order, sets sorted (a set read back
from a pickle may iterate in another order). Two builds with the same digest hold equal values in every
place, in the same order. Builds in processes with different string hash seeds differ (a posting list
is filled in the order of a set), so processes to compare are run with one ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from typing import Any

_ATOMS = (str, int, float, bool, bytes, date, type(None))


def structural_digest(built: object) -> str:
    """A hash of the object graph under ``built`` (see the module docstring)."""
    return _Walk().digest(built)


class _Walk:
    def __init__(self) -> None:
        #: Objects reached again (a normalised name shared by variants) are hashed once, by identity.
        self._seen: dict[int, str] = {}
        self._held: list[object] = []
        #: The objects being walked, outermost first: a reference back to one (the index that is its own
        #: vocabulary) is hashed as how many levels up it points.
        self._open: list[int] = []

    def digest(self, value: object) -> str:
        if isinstance(value, _ATOMS):
            return f"{type(value).__name__}:{value!r}"
        if id(value) in self._open:
            return f"back {len(self._open) - self._open.index(id(value))}"
        known = self._seen.get(id(value))
        if known is None:
            self._open.append(id(value))
            known = self._seen[id(value)] = self._composite(value)
            self._open.pop()
            self._held.append(value)  # keeps the id from being reused by another object during the walk
        return known

    def _composite(self, value: Any) -> str:
        if isinstance(value, list | tuple):
            parts = [self.digest(item) for item in value]
        elif isinstance(value, set | frozenset):
            parts = sorted(self.digest(item) for item in value)
        elif isinstance(value, dict):
            parts = [f"{self.digest(key)}:{self.digest(item)}" for key, item in value.items()]
        else:
            parts = [f"{name}={self.digest(item)}" for name, item in sorted(_attributes(value).items())]
        return hashlib.sha256(f"{type(value).__qualname__}[{','.join(parts)}]".encode()).hexdigest()


def _attributes(value: object) -> dict[str, object]:
    if dataclasses.is_dataclass(value):
        found = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
        return {**found, **getattr(value, "__dict__", {})}
    if hasattr(value, "__dict__"):
        return dict(vars(value))
    raise TypeError(f"no digest for {type(value).__qualname__}")
