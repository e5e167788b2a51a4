"""The Section 301 data: which chapter 99 heading covers each HTS code, and each heading's dated rates.

* ``usitc_china_tariffs_2020-01-01.csv`` -- the USITC "China Tariffs" table of January 1, 2020: Lists 1,
  2, 3, 4A and 4B (headings 9903.88.01-.04, .15, .16), 8-digit subheadings and some 10-digit numbers.
* ``s301_product_lists.csv`` -- a product-list extract of HTSUS chapter 99 U.S. notes 20 and 31 (2026);
  only its U.S. note 31 rows (headings 9903.91.xx and 9903.92.10, the 2024 four-year review) are used,
  because its note 20 rows put a thousand subheadings on two lists at once (a parsing artefact).
* ``section301_rates.yaml`` -- every heading's rates by date with the notice that set each one.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from exportguard.tariffs.hts import HtsCode

USITC_TABLE = "usitc_china_tariffs_2020-01-01.csv"
PRODUCT_LISTS = "s301_product_lists.csv"
RATES = "section301_rates.yaml"
USITC_SOURCE = "USITC China Tariffs table, January 1, 2020"
NOTE31_SOURCE = "HTSUS ch. 99 U.S. note 31 (2026 Rev. 6), product-list extract"
REVIEW_2024 = "2024 review"


@dataclass(frozen=True)
class RatePeriod:
    """An additional duty rate in force from ``start`` until ``end`` (exclusive; None: still in force)."""

    start: date
    end: date | None
    rate: Decimal
    notice: str
    note: str
    suspended: bool = False

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Heading:
    """A chapter 99 heading of the Section 301 action and its rates over time."""

    code: str
    list_name: str
    action: str
    periods: tuple[RatePeriod, ...]
    scheduled: RatePeriod | None = None

    def period_on(self, day: date) -> RatePeriod | None:
        """The period in force on ``day``; None before the first or after a last one that ended."""
        return next((period for period in reversed(self.periods) if period.covers(day)), None)

    @property
    def supersedes_earlier_lists(self) -> bool:
        """The 2024 review raised the rate of products already on a list: its heading applies instead."""
        return self.list_name == REVIEW_2024


@dataclass(frozen=True)
class Coverage:
    """One heading covering one code (8 or 10 digits), and the data file that says so."""

    code: str
    heading: Heading
    source: str


@dataclass(frozen=True)
class Transition:
    """Goods exported before a rate increase and entered within a window kept the old rate."""

    start: date
    end: date
    heading: str
    rate: Decimal


@dataclass(frozen=True)
class Schedule:
    """Every covered code with its headings, and the 10-digit codes listed under each subheading."""

    version: str
    headings: dict[str, Heading]
    by_code: dict[str, tuple[Coverage, ...]]
    statistical: dict[str, tuple[str, ...]]
    list3_transition: Transition

    def knows(self, code: HtsCode) -> bool:
        """The code, its subheading or a number under it appears in the data."""
        return code.digits in self.by_code or code.subheading in self.by_code or code.subheading in self.statistical

    def coverages(self, code: HtsCode) -> tuple[Coverage, ...]:
        """Headings naming this code or its subheading, most specific first."""
        exact = self.by_code.get(code.digits, ()) if code.is_statistical else ()
        return (*exact, *self.by_code.get(code.subheading, ()))

    def numbers_under(self, code: HtsCode) -> tuple[Coverage, ...]:
        """For an 8-digit code: headings that name only some of its 10-digit numbers."""
        if code.is_statistical:
            return ()
        return tuple(c for number in self.statistical.get(code.subheading, ()) for c in self.by_code[number])


def data_path(name: str) -> Path:
    return Path(str(resources.files("exportguard.tariffs") / "data" / name))


@lru_cache(maxsize=1)
def default_schedule() -> Schedule:
    """The bundled Section 301 data, parsed once per process."""
    return load(data_path(RATES), data_path(USITC_TABLE), data_path(PRODUCT_LISTS))


def load(rates_file: Path, usitc_file: Path, product_lists_file: Path) -> Schedule:
    document = yaml.safe_load(rates_file.read_text(encoding="utf-8"))
    headings = {code: _heading(code, spec) for code, spec in document["headings"].items()}
    found: dict[str, list[Coverage]] = defaultdict(list)
    for code, heading_code in _usitc_rows(usitc_file):
        found[code].append(Coverage(code, headings[heading_code], USITC_SOURCE))
    for code, heading_code in _note31_rows(product_lists_file):
        found[code].append(Coverage(code, headings[heading_code], NOTE31_SOURCE))
    statistical: dict[str, list[str]] = defaultdict(list)
    for code in found:
        if len(code) == 10:
            statistical[code[:8]].append(code)
    window = document["list3_transition"]
    return Schedule(
        version=str(document["version"]),
        headings=headings,
        by_code={code: tuple(coverages) for code, coverages in found.items()},
        statistical={code: tuple(sorted(numbers)) for code, numbers in statistical.items()},
        list3_transition=Transition(window["from"], window["until"], window["heading"], Decimal(str(window["rate"]))),
    )


def _heading(code: str, spec: dict[str, Any]) -> Heading:
    periods = [_period(period) for period in spec["periods"]]
    closed = [
        RatePeriod(p.start, p.end or (periods[n + 1].start if n + 1 < len(periods) else None), p.rate, p.notice,
                   p.note, p.suspended)
        for n, p in enumerate(periods)
    ]  # fmt: skip
    scheduled = _period(spec["scheduled"]) if "scheduled" in spec else None
    return Heading(code, str(spec["list"]), spec["action"], tuple(closed), scheduled)


def _period(spec: dict[str, Any]) -> RatePeriod:
    return RatePeriod(spec["from"], spec.get("until"), Decimal(str(spec["rate"])), spec["notice"], spec.get("note", ""),
                      bool(spec.get("suspended", False)))


def _usitc_rows(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["hts_code"], row["ch99_heading"]) for row in csv.DictReader(handle)]


def _note31_rows(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["hts8"], row["ch99_code"]) for row in csv.DictReader(handle)
                if row["ch99_code"].startswith(("9903.91.", "9903.92."))]
