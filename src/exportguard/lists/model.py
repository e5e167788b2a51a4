"""The data model every list source produces: parties on a dated, hashed list version."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

_FR_CITE = re.compile(r"(\d{2})\s*F\.?\s*R\.?\s*(\d+)", re.IGNORECASE)


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
class ListSnapshot:
    """A list version together with the parties it holds."""

    version: ListVersion
    parties: tuple[Party, ...]

    def by_key(self) -> dict[str, Party]:
        """Parties indexed by their cross-version key."""
        return {party.key: party for party in self.parties}
