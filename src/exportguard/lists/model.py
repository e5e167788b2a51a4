"""The data model every list source produces: parties on a dated, hashed list version."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

_FR_CITE = re.compile(r"(\d{2})\s*F\.?\s*R\.?\s*(\d+)", re.IGNORECASE)


#: The license review policy of an entry whose source does not publish one (and no earlier source had it).
POLICY_NOT_IN_SOURCE = "policy not in this source"


@dataclass(frozen=True)
class FRCitation:
    """A Federal Register citation such as ``84 FR 22961``."""

    volume: int
    page: int

    def __str__(self) -> str:
        return f"{self.volume} FR {self.page}"

    @classmethod
    def parse_all(cls, text: str) -> tuple[FRCitation, ...]:
        """Every ``NN FR NNNNN`` citation in a free-text notice column, in order, without repeats."""
        seen: dict[FRCitation, None] = {}
        for volume, page in _FR_CITE.findall(text or ""):
            seen.setdefault(cls(int(volume), int(page)), None)
        return tuple(seen)


@dataclass(frozen=True)
class Party:
    """One entry on a restricted-party list, as the source published it.

    ``list_code`` is the short list name (EL, DPL, UVL, MEU, SDN, ...); ``source_id`` is the
    identifier the source gives the entry and is stable across versions of that source.
    ``raw`` keeps the source record untouched so nothing the agency said is lost.
    """

    list_code: str
    source_id: str
    name: str
    list_name: str = ""
    entity_type: str = ""
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    fr_citations: tuple[FRCitation, ...] = ()
    federal_register_notice: str = ""
    start_date: date | None = None
    end_date: date | None = None
    license_requirement: str = ""
    license_policy: str = ""
    remarks: str = ""
    source_url: str = ""
    raw: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        """Identity of the entry across list versions: list and source id."""
        return f"{self.list_code}:{self.source_id}"

    @property
    def all_names(self) -> tuple[str, ...]:
        """The primary name followed by every alias."""
        return (self.name, *self.aliases)

    def content_fields(self) -> dict[str, object]:
        """The fields a list change can modify, for diffs between versions."""
        return {
            "name": self.name,
            "aliases": self.aliases,
            "addresses": self.addresses,
            "countries": self.countries,
            "programs": self.programs,
            "federal_register_notice": self.federal_register_notice,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "license_requirement": self.license_requirement,
            "license_policy": self.license_policy,
            "remarks": self.remarks,
            "entity_type": self.entity_type,
        }


#: The source of a snapshot made of several versions, whose ``content_hash`` is their ids joined by "+".
COMBINED = "combined"


@dataclass(frozen=True)
class ListVersion:
    """One loaded file of one source: what it is, as of when, and a hash of its bytes."""

    source: str
    as_of: date | None
    content_hash: str
    party_count: int
    file_name: str = ""

    @property
    def id(self) -> str:
        """Short identifier recorded with every hit and determination; a combination names its parts."""
        if self.source == COMBINED:
            return f"{COMBINED}@{self.content_hash}"
        return f"{self.source}@{self.content_hash[:12]}"


@dataclass(frozen=True)
class ListDate:
    """Where one list in a snapshot comes from and how old it is: reported with every answer."""

    list_code: str
    version_id: str
    as_of: date | None
    entries: int
    provenance: str = ""

    def age_days(self, today: date) -> int | None:
        """Days since the as-of date, or None when the source gives no date."""
        return (today - self.as_of).days if self.as_of else None

    def to_dict(self, today: date, max_age_days: int) -> dict[str, object]:
        age = self.age_days(today)
        return {"list": self.list_code, "version": self.version_id,
                "as_of": self.as_of.isoformat() if self.as_of else None, "age_days": age,
                "entries": self.entries, "stale": age is None or age > max_age_days}


@dataclass(frozen=True)
class ListSnapshot:
    """A list version together with the parties it holds.

    ``dates`` names each list's own version and as-of date when the snapshot layers several versions;
    a single version's lists all share its as-of date.
    """

    version: ListVersion
    parties: tuple[Party, ...]
    dates: tuple[ListDate, ...] = ()
    provenance: str = ""

    def by_key(self) -> dict[str, Party]:
        """Parties indexed by their cross-version key."""
        return {party.key: party for party in self.parties}

    def list_dates(self) -> tuple[ListDate, ...]:
        """Each list's version, as-of date and entry count, in list-code order."""
        return self.dates or self._own_dates

    @cached_property
    def _own_dates(self) -> tuple[ListDate, ...]:
        counts: dict[str, int] = {}
        for party in self.parties:
            counts[party.list_code] = counts.get(party.list_code, 0) + 1
        return tuple(ListDate(code, self.version.id, self.version.as_of, counts[code], self.provenance)
                     for code in sorted(counts))


def layered(parts: Sequence[ListSnapshot]) -> ListSnapshot:
    """One snapshot over several versions: each list (EL, SDN, DPL, ...) from the first part that has it.

    Loading only a new SDN file thus neither drops the Entity List nor keeps an older copy of the SDN
    beside the new one. The id names the parts that contributed.
    """
    claimed: set[str] = set()
    used: list[ListSnapshot] = []
    parties: list[Party] = []
    dates: list[ListDate] = []
    for part in parts:
        fresh = [party for party in part.parties if party.list_code not in claimed]
        if fresh:
            used.append(part)
            parties += fresh
            offered = {party.list_code for party in fresh}
            dates += [dated for dated in part.list_dates() if dated.list_code in offered]
        claimed |= {party.list_code for party in part.parties}
    ids = "+".join(sorted(part.version.id for part in used))
    known = [dated.as_of for dated in dates if dated.as_of]
    version = ListVersion(COMBINED, min(known) if known else None, ids, len(parties), ids)
    return ListSnapshot(version, tuple(parties), tuple(sorted(dates, key=lambda dated: dated.list_code)))
