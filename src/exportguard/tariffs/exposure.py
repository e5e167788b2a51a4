"""The Section 301 answer for one HTS code of Chinese origin on one date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from exportguard.tariffs.hts import HtsCode, UnknownHtsCode
from exportguard.tariffs.schedule import Coverage, Heading, RatePeriod, Schedule, default_schedule

CHINA = "CN"
EXCLUSIONS_NOT_MODELLED = (
    "Product exclusions are not modelled: USTR excluded particular products within covered subheadings "
    "(exclusion headings of U.S. notes 20 and 31, e.g. 9903.88.05 onward); if one covers this product the duty "
    "may not apply."
)
NOTE31_EIGHT_DIGIT = (
    "The 2024-review list is held at 8 digits; U.S. note 31 names some products by 10-digit statistical number, "
    "so confirm the number against the note."
)
SUPERSEDES = (
    "From its date the 2024-review heading's rate applies in place of the earlier list's rate (89 FR 76581 raised "
    "the existing Section 301 rate), not in addition to it."
)
NOMENCLATURE = (
    "Lists 1-4B are as the USITC table of 2020-01-01 gives them (HTS 2019-2020 numbering); later list changes "
    "and the 2022 renumbering are not modelled."
)


class Exposure(StrEnum):
    """Whether a Section 301 additional duty applies on the date."""

    DUTY = "DUTY"
    NO_DUTY = "NO_DUTY"
    INDETERMINATE = "INDETERMINATE"


@dataclass(frozen=True)
class Step:
    """One dated rate of one heading covering the code: the history behind the answer."""

    heading: str
    list_name: str
    start: date
    end: date | None
    rate: Decimal
    notice: str
    suspended: bool

    def to_dict(self) -> dict[str, Any]:
        return {"heading": self.heading, "list": self.list_name, "from": self.start.isoformat(),
                "until": self.end.isoformat() if self.end else None, "rate_pct": float(self.rate),
                "notice": self.notice, "suspended": self.suspended}


@dataclass(frozen=True)
class TariffAnswer:
    """The Section 301 exposure of one HTS code on one date, with the notice that set the rate."""

    hts: str
    as_of: date
    origin: str
    exposure: Exposure
    reason: str
    list_name: str | None = None
    heading: str | None = None
    rate_pct: Decimal = Decimal(0)
    notice: str | None = None
    value: Decimal | None = None
    caveats: tuple[str, ...] = ()
    history: tuple[Step, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def duty(self) -> Decimal | None:
        """Additional duty on the declared value, to the cent; None without a value or when indeterminate."""
        if self.value is None or self.exposure is Exposure.INDETERMINATE:
            return None
        return (self.value * self.rate_pct / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def to_dict(self) -> dict[str, Any]:
        return {
            "hts": self.hts, "as_of": self.as_of.isoformat(), "origin": self.origin,
            "exposure": self.exposure.value, "reason": self.reason, "list": self.list_name,
            "heading": self.heading, "rate_pct": float(self.rate_pct), "notice": self.notice,
            "value": float(self.value) if self.value is not None else None,
            "duty": float(self.duty) if self.duty is not None else None,
            "caveats": list(self.caveats), "history": [step.to_dict() for step in self.history],
            "sources": list(self.sources),
        }  # fmt: skip


def exposure(
    hts: str | HtsCode,
    as_of: date,
    *,
    origin: str = CHINA,
    value: Decimal | float | str | None = None,
    schedule: Schedule | None = None,
) -> TariffAnswer:
    """Section 301 list, heading and additional duty for ``hts`` entered on ``as_of``.

    Raises :class:`HtsCodeError` for malformed codes and :class:`UnknownHtsCode` for codes the data does
    not hold: a code outside the data is never answered as "no tariff".
    """
    schedule = schedule or default_schedule()
    code = hts if isinstance(hts, HtsCode) else HtsCode.parse(hts)
    amount = _value(value)
    if not schedule.knows(code):
        raise UnknownHtsCode(
            f"HTS {code} is not in the Section 301 data held (the USITC China tariffs table of 2020-01-01 and the "
            "2024-review headings of U.S. note 31): exportguard cannot tell a subheading outside every list from a "
            "code that does not exist; check the code against the HTS"
        )
    origin = (origin or "").strip().upper()
    coverages = schedule.coverages(code)
    history = _history(coverages)
    common: dict[str, Any] = {"hts": str(code), "as_of": as_of, "origin": origin, "value": amount, "history": history,
              "sources": tuple(dict.fromkeys(c.source for c in coverages))}
    if origin != CHINA:
        return TariffAnswer(exposure=Exposure.NO_DUTY, reason=f"Section 301 duties apply to products of China; "
                            f"origin {origin or 'not given'}", **common)
    partial = schedule.numbers_under(code)
    if partial and not coverages:
        numbers = ", ".join(sorted({f"{HtsCode(c.code)} ({c.heading.code})" for c in partial}))
        return TariffAnswer(exposure=Exposure.INDETERMINATE, caveats=(EXCLUSIONS_NOT_MODELLED,),
                            reason=f"only some 10-digit numbers under {code} are listed: {numbers}; give the 10-digit "
                            "number", **{**common, "history": _history(partial)})
    return _dated(schedule, coverages, as_of, common, partial)


def _dated(schedule: Schedule, coverages: tuple[Coverage, ...], as_of: date, common: dict[str, Any],
           partial: tuple[Coverage, ...]) -> TariffAnswer:
    caveats = [NOMENCLATURE] if any(not c.heading.supersedes_earlier_lists for c in coverages) else []
    if partial:
        caveats.append("Some 10-digit numbers under this subheading are also on other headings: "
                       + ", ".join(sorted({f'{HtsCode(c.code)} ({c.heading.code})' for c in partial})))
    heading, period = _applicable(coverages, as_of)
    if any(c.heading.supersedes_earlier_lists for c in coverages):
        caveats += [NOTE31_EIGHT_DIGIT, SUPERSEDES]
    if heading is None or period is None:
        return TariffAnswer(exposure=Exposure.NO_DUTY, reason=_not_yet(coverages, as_of), caveats=tuple(caveats),
                            **common)
    if period.suspended or period.rate == 0:
        return TariffAnswer(exposure=Exposure.NO_DUTY, list_name=heading.list_name, heading=heading.code,
                            notice=period.notice, reason=_suspended(heading, period), caveats=tuple(caveats), **common)
    transition = schedule.list3_transition
    if heading.list_name == "3" and transition.start <= as_of < transition.end:
        caveats.append(f"Goods exported to the United States before {transition.start} and entered before "
                       f"{transition.end} kept {transition.rate}% under heading {transition.heading} "
                       "(U.S. note 20(l); 84 FR 20459).")
    caveats.append(EXCLUSIONS_NOT_MODELLED)
    reason = (f"{_label(heading)}: {heading.action}; heading {heading.code} adds {_pct(period.rate)} "
              f"from {period.start} ({period.notice})")
    return TariffAnswer(exposure=Exposure.DUTY, list_name=heading.list_name, heading=heading.code,
                        rate_pct=period.rate, notice=period.notice, reason=reason, caveats=tuple(caveats), **common)


def _applicable(coverages: tuple[Coverage, ...], as_of: date) -> tuple[Heading | None, RatePeriod | None]:
    """A 2024-review heading in force wins; otherwise the most specific list heading in force or scheduled."""
    in_force = [(c.heading, c.heading.period_on(as_of)) for c in coverages]
    for heading, period in in_force:
        if heading.supersedes_earlier_lists and period is not None:
            return heading, period
    for heading, period in in_force:
        if not heading.supersedes_earlier_lists and period is not None:
            return heading, period
    return None, None


def _not_yet(coverages: tuple[Coverage, ...], as_of: date) -> str:
    upcoming = sorted(
        ((period.start, coverage.heading, period) for coverage in coverages for period in
         ((coverage.heading.scheduled,) if coverage.heading.scheduled else ()) + coverage.heading.periods
         if period.start > as_of),
        key=lambda item: item[0],
    )  # fmt: skip
    if not upcoming:
        ended = [c.heading.code for c in coverages]
        return f"no Section 301 duty in force on {as_of} (headings {', '.join(ended)} not in force on that date)"
    start, heading, period = upcoming[0]
    answer = (f"no Section 301 duty in force on {as_of}: {_label(heading)} (heading {heading.code}) "
              f"starts {start} at {_pct(period.rate)} ({period.notice})")
    suspension = next((p for p in heading.periods if p.suspended), None)
    if heading.scheduled and suspension:
        answer += f"; suspended before it took effect ({suspension.notice})"
    return answer


def _suspended(heading: Heading, period: RatePeriod) -> str:
    scheduled = heading.scheduled
    planned = f" scheduled for {scheduled.start} at {_pct(scheduled.rate)} ({scheduled.notice})" if scheduled else ""
    return (f"{_label(heading)} (heading {heading.code}){planned}: suspended from {period.start} "
            f"({period.notice}); no additional duty")


def _history(coverages: tuple[Coverage, ...]) -> tuple[Step, ...]:
    steps = {
        (c.heading.code, p.start): Step(c.heading.code, c.heading.list_name, p.start, p.end, p.rate, p.notice,
                                        p.suspended)
        for c in coverages for p in c.heading.periods
    }  # fmt: skip
    return tuple(sorted(steps.values(), key=lambda step: (step.start, step.heading)))


def _value(value: Decimal | float | str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except ArithmeticError as exc:
        raise ValueError(f"value {value!r} is not a number of US dollars") from exc
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"value {value!r} must be a non-negative number of US dollars")
    return amount


def _pct(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"


def _label(heading: Heading) -> str:
    return heading.list_name if heading.supersedes_earlier_lists else f"List {heading.list_name}"
