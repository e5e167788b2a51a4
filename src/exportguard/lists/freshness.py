"""How old the lists behind an answer are: every screening and determination carries this.

The official lists change weekly, so a list in force older than the limit (default 7 days, setting
``EXPORTGUARD_MAX_LIST_AGE_DAYS``) is named in a warning; a list whose as-of date is unknown is too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from exportguard.lists.model import ListDate, ListSnapshot

DEFAULT_MAX_AGE_DAYS = 7
MAX_AGE_SETTING = "EXPORTGUARD_MAX_LIST_AGE_DAYS"


def max_age_days() -> int:
    """The configured age limit in days (the setting, else 7)."""
    value = os.environ.get(MAX_AGE_SETTING, "")
    return int(value) if value.strip().isdigit() else DEFAULT_MAX_AGE_DAYS


@dataclass(frozen=True)
class Freshness:
    """Each list's as-of date, as checked on ``today`` against ``max_age_days``."""

    lists: tuple[ListDate, ...]
    today: date
    max_age_days: int

    @property
    def warnings(self) -> list[str]:
        """One sentence per list in force that is older than the limit or has no known date."""
        found = []
        for dated in self.lists:
            age = dated.age_days(self.today)
            if age is None:
                found.append(f"{dated.list_code}: as-of date unknown ({dated.version_id})")
            elif age > self.max_age_days:
                found.append(f"{dated.list_code}: as of {dated.as_of}, {age} days old "
                             f"(more than {self.max_age_days}); run `exportguard lists fetch`")
        return found

    def to_dict(self) -> dict[str, Any]:
        return {"checked_on": self.today.isoformat(), "max_age_days": self.max_age_days,
                "lists": [dated.to_dict(self.today, self.max_age_days) for dated in self.lists],
                "warnings": self.warnings}

    def summary(self) -> str:
        """One line for a table's caption: the oldest list and how many are stale."""
        stale = self.warnings
        dated = [d for d in self.lists if d.as_of]
        oldest = min(dated, key=lambda d: d.as_of or date.max, default=None)
        head = f"lists as of {oldest.as_of} ({oldest.list_code}, oldest)" if oldest else "lists of unknown date"
        newest = max((d.as_of for d in dated if d.as_of), default=None)
        span = f" .. {newest}" if newest and oldest and newest != oldest.as_of else ""
        return f"{head}{span}; {len(stale)} of {len(self.lists)} older than {self.max_age_days} days"


def freshness(snapshot: ListSnapshot, today: date | None = None, max_age: int | None = None) -> Freshness:
    """The freshness of every list in a snapshot, as of today (UTC) unless given."""
    return Freshness(snapshot.list_dates(), today or datetime.now(UTC).date(),
                     max_age_days() if max_age is None else max_age)


_last_dated: tuple[Freshness, dict[str, Any]] | None = None


def dated_lists(snapshot: ListSnapshot) -> dict[str, Any]:
    """``freshness(snapshot).to_dict()`` as of today, built once per snapshot, day and limit: every screening
    answer carries it (about 40 us to build). The dict is shared between answers: read it, never change it."""
    global _last_dated
    current = freshness(snapshot)
    last = _last_dated
    if last is not None and last[0].lists is current.lists and (last[0].today, last[0].max_age_days) == (
            current.today, current.max_age_days):
        return last[1]
    built = current.to_dict()
    _last_dated = (current, built)
    return built
