"""An import file (HTS, value, entry date, origin per line) answered line by line, with duty totals by list."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from exportguard.tariffs.exposure import Exposure, TariffAnswer, exposure
from exportguard.tariffs.hts import HtsCodeError, UnknownHtsCode
from exportguard.tariffs.schedule import Schedule, default_schedule

COLUMNS = ("hts", "value", "entry_date", "origin")
MAX_ROWS = 10_000_000
ROW_COLUMNS = ("line", "hts", "entry_date", "origin", "value", "exposure", "list", "heading", "rate_pct", "duty",
               "notice", "reason", "caveats", "error")


class ImportFileError(ValueError):
    """An import file that cannot be read at all (missing columns, too many rows)."""


@dataclass(frozen=True)
class RowResult:
    """One line of the file: its answer, or why it has none."""

    line: int
    raw: dict[str, str]
    answer: TariffAnswer | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.answer is None:
            return {"line": self.line, **{c: self.raw.get(c, "") for c in COLUMNS}, "error": self.error}
        return {"line": self.line, **self.answer.to_dict(), "error": None}

    def csv_row(self) -> dict[str, Any]:
        a = self.answer
        base = {"line": self.line, **{c: self.raw.get(c, "") for c in COLUMNS}, "error": self.error or ""}
        if a is None:
            return base
        return {**base, "hts": a.hts, "exposure": a.exposure.value, "list": a.list_name or "",
                "heading": a.heading or "", "rate_pct": f"{a.rate_pct:f}", "duty": "" if a.duty is None else f"{a.duty}",
                "notice": a.notice or "", "reason": a.reason, "caveats": " | ".join(a.caveats)}


@dataclass
class Summary:
    """Duty exposure by list, and how many lines had no duty, needed a decision, or could not be read."""

    by_list: dict[str, dict[str, Decimal | int]] = field(default_factory=dict)
    lines: int = 0
    no_duty: int = 0
    indeterminate: int = 0
    errors: int = 0

    def add(self, result: RowResult) -> None:
        self.lines += 1
        answer = result.answer
        if answer is None:
            self.errors += 1
        elif answer.exposure is Exposure.INDETERMINATE:
            self.indeterminate += 1
        elif answer.exposure is Exposure.NO_DUTY:
            self.no_duty += 1
        else:
            totals = self.by_list.setdefault(str(answer.list_name), {"lines": 0, "value": Decimal(0), "duty": Decimal(0)})
            totals["lines"] += 1
            totals["value"] += answer.value or 0
            totals["duty"] += answer.duty or 0

    @property
    def total_duty(self) -> Decimal:
        return sum((Decimal(t["duty"]) for t in self.by_list.values()), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines, "no_duty": self.no_duty, "indeterminate": self.indeterminate, "errors": self.errors,
            "total_duty": float(self.total_duty),
            "by_list": {name: {"lines": t["lines"], "value": float(t["value"]), "duty": float(t["duty"])}
                        for name, t in sorted(self.by_list.items())},
            "exclusions_modelled": False,
        }  # fmt: skip


def read_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data line of a headed CSV; header names are matched case-insensitively."""
    reader = csv.reader(lines)
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise ImportFileError(f"missing column(s) {', '.join(missing)}; the header must name {', '.join(COLUMNS)}")
    for number, values in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            raise ImportFileError(f"more than {MAX_ROWS:,} lines; split the file")
        if values and any(value.strip() for value in values):
            yield number, dict(zip(header, values, strict=False))


def answer_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    schedule: Schedule | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[RowResult]:
    """Each row's answer, or its error, in order; ``progress`` is told every 1,000 rows."""
    schedule = schedule or default_schedule()
    for count, (line, row) in enumerate(rows, start=1):
        yield answer_row(line, row, schedule)
        if progress and count % 1000 == 0:
            progress(1000)


def answer_row(line: int, row: dict[str, str], schedule: Schedule) -> RowResult:
    try:
        day = date.fromisoformat((row.get("entry_date") or "").strip())
    except ValueError:
        return RowResult(line, row, error=f"entry_date {row.get('entry_date')!r} is not an ISO date such as 2019-12-15")
    origin = (row.get("origin") or "").strip().upper()
    if len(origin) != 2 or not origin.isalpha():
        return RowResult(line, row, error=f"origin {row.get('origin')!r} is not an ISO 3166 alpha-2 code such as CN")
    try:
        return RowResult(line, row, exposure(row.get("hts", ""), day, origin=origin, value=row.get("value") or None,
                                             schedule=schedule))
    except (HtsCodeError, UnknownHtsCode, ValueError) as exc:
        return RowResult(line, row, error=str(exc))
