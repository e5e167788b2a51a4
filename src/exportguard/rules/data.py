"""The correctable rule data shipped in ``rules/data/``: the dated Entity List ledger, TGL versions,
Country Chart, ECCN reasons for control and other dated rules. Each file is versioned by its hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from exportguard.lists.model import FRCitation

DATA_FILES = (
    "entity_list_ledger.yaml",
    "huawei_tgl.yaml",
    "dated_rules.yaml",
    "country_chart.yaml",
    "eccn_controls.yaml",
)


@dataclass(frozen=True)
class LedgerAction:
    """One Entity List rule: which citations it gave its entries and when it took effect."""

    id: str
    title: str
    rule: str
    citations: frozenset[FRCitation]
    effective: date
    huawei: bool
    tgl_cutoff: date | None
    tgl_cutoff_uncertain: str
    uncertain_reason: str


@dataclass(frozen=True)
class TglVersion:
    """One version of the Huawei Temporary General License with its inclusive validity window."""

    id: str
    rule: str
    valid_from: date
    valid_through: date
    categories: tuple[str, ...]
    certification: str
    uncertain_reason: str = ""

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_through


@dataclass(frozen=True)
class RuleData:
    """All rule data files, parsed, with a version string per file for the audit record."""

    ledger: tuple[LedgerAction, ...]
    tgl: dict[str, Any]
    tgl_versions: tuple[TglVersion, ...]
    dated: dict[str, Any]
    chart: dict[str, Any]
    eccns: dict[str, Any]
    versions: dict[str, str]

    def action_for(self, citation: FRCitation | None) -> LedgerAction | None:
        """The ledger action that gave an entry its first citation, if the ledger knows it."""
        return next((action for action in self.ledger if citation in action.citations), None)

    def action(self, action_id: str) -> LedgerAction:
        return next(action for action in self.ledger if action.id == action_id)

    def tgl_in_force(self, day: date) -> TglVersion | None:
        """The TGL version in force on ``day``; where windows overlap the later version governs."""
        in_force = [version for version in self.tgl_versions if version.in_force(day)]
        return max(in_force, key=lambda version: version.valid_from) if in_force else None

    def chart_row(self, country: str) -> frozenset[str] | None:
        row = self.chart["rows"].get(country)
        return None if row is None else frozenset(row.split())

    @property
    def coverage(self) -> tuple[date, date]:
        window = self.dated["coverage"]
        return window["from"], window["through"]


def _read(name: str) -> tuple[dict[str, Any], str]:
    raw = (resources.files("exportguard.rules") / "data" / name).read_bytes()
    parsed = yaml.safe_load(raw)
    return parsed, f"{parsed.get('version', '?')}@{hashlib.sha256(raw).hexdigest()[:12]}"


def _cite(text: str) -> FRCitation:
    (citation,) = FRCitation.parse_all(text)
    return citation


def _action(row: dict[str, Any]) -> LedgerAction:
    return LedgerAction(
        id=row["id"],
        title=row["title"],
        rule=row["rule"],
        citations=frozenset(_cite(text) for text in row["citations"]),
        effective=row["effective"],
        huawei=bool(row.get("huawei")),
        tgl_cutoff=row.get("tgl_cutoff"),
        tgl_cutoff_uncertain=row.get("tgl_cutoff_uncertain", ""),
        uncertain_reason=row.get("uncertain_reason", "") if row.get("uncertain") else "",
    )


def _tgl_version(row: dict[str, Any]) -> TglVersion:
    return TglVersion(
        id=row["id"],
        rule=row["rule"],
        valid_from=row["valid_from"],
        valid_through=row["valid_through"],
        categories=tuple(row["categories"]),
        certification=row["certification"],
        uncertain_reason=row.get("uncertain_reason", ""),
    )


@lru_cache(maxsize=1)
def load() -> RuleData:
    """Parse every bundled rule data file once per process."""
    parsed = {name: _read(name) for name in DATA_FILES}
    ledger, tgl, dated, chart, eccns = (parsed[name][0] for name in DATA_FILES)
    return RuleData(
        ledger=tuple(_action(row) for row in ledger["actions"]),
        tgl=tgl,
        tgl_versions=tuple(_tgl_version(row) for row in tgl["versions"]),
        dated=dated,
        chart=chart,
        eccns=eccns,
        versions={name: version for name, (_, version) in parsed.items()},
    )
