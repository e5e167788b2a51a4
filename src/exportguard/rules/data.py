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
    tgl_cutoff_unknown_through: date | None = None


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
class ChartRow:
    """The Country Chart row in force for a destination on a date: its X marks (``None`` when the row then
    in force is not in the data), the rule that makes it so, and why it is uncertain."""

    destination: str
    marks: frozenset[str] | None
    source: str = ""
    uncertain_reason: str = ""


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

    def chart_row(self, country: str, day: date) -> ChartRow:
        """The row in force on ``day``: today's row, unwound through every documented change after ``day``."""
        alias = self.chart["aliases"].get(country)
        if alias is not None and day >= alias["from"]:
            row = self.chart_row(alias["row_of"], day)
            return ChartRow(country, row.marks, f"{country} governed by the {alias['row_of']} row ({alias['rule']})",
                            row.uncertain_reason)  # fmt: skip
        marks: str | None = self.chart["rows"].get(country)
        source, uncertain = "", []
        for change in self.chart["history"]:
            if day >= change["effective"]:
                continue
            if country in change.get("before", {}):
                marks, source = change["before"][country], f"row in force before {change['rule']}"
            if country in change.get("strict_before", ()):
                uncertain.append(change["uncertain_reason"].strip())
        parsed = None if marks is None else frozenset(marks.split())
        return ChartRow(country, parsed, source, " ".join(uncertain))

    def in_country_group(self, country: str | None, group: str, day: date) -> bool:
        """Whether ``country`` is in Country Group ``group`` (e.g. ``E1``) on ``day``."""
        members = self.dated["country_groups"].get(group, ())
        return any(m["country"] == country and day <= m.get("until", date.max) for m in members)

    @property
    def coverage_from(self) -> date:
        return self.dated["coverage"]["from"]

    @property
    def exact_through(self) -> date:
        return self.dated["coverage"]["exact_through"]


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
        tgl_cutoff_unknown_through=row.get("tgl_cutoff_unknown_through"),
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
