"""The ordered registry of checks. A check is a small function of the :class:`Context`; its one-line
docstring is the explanation users see and ends with its citation in square brackets."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from exportguard.rules.data import RuleData
from exportguard.rules.model import Finding, Kind
from exportguard.rules.parties import ListMatch
from exportguard.rules.transaction import Item, Transaction

_CITATION = re.compile(r"\[([^\]]*\b(?:CFR|FR)\b[^\]]*)\]\.?\s*$")


@dataclass
class Context:
    """What every check sees: the transaction, the date, the rule data, dated list matches, earlier findings."""

    transaction: Transaction
    as_of: date
    data: RuleData
    matches: list[ListMatch]
    lists_as_of: date | None = None
    today: date = field(default_factory=date.today)
    findings: list[Finding] = field(default_factory=list)
    not_subject: set[int] = field(default_factory=set)

    def subject_items(self) -> list[tuple[int, Item]]:
        """Items still subject to the EAR after the scope checks, with their index in the transaction."""
        return [(index, item) for index, item in enumerate(self.transaction.items) if index not in self.not_subject]

    def open_requirements(self, rule: str | None = None) -> list[Finding]:
        """Requirements (optionally of one rule) that nothing has lifted yet."""
        lifted = {finding_id for finding in self.findings for finding_id in finding.lifts}
        return [
            f
            for f in self.findings
            if f.kind is Kind.REQUIREMENT and f.id not in lifted and (rule is None or f.rule == rule)
        ]

    def in_force(self, list_code: str) -> list[ListMatch]:
        """Strong matches on one list whose entries are in force on the date."""
        return [m for m in self.matches if m.entry.list_code == list_code and m.in_force and m.strong]


CheckFunction = Callable[[Context], Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    """A registered check: its rule id, its step in the order, and the function."""

    rule: str
    step: float
    function: CheckFunction

    @cached_property
    def explanation(self) -> str:
        lines = (self.function.__doc__ or "").strip().splitlines()
        return lines[0] if lines else ""

    @cached_property
    def citation(self) -> str:
        found = _CITATION.search(self.explanation)
        return found.group(1) if found else ""

    def run(self, context: Context) -> list[Finding]:
        return list(self.function(context))


CHECKS: list[Check] = []


def check(rule: str, step: float) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under ``rule`` at position ``step`` of the ordered rules (docs/determination.md)."""

    def register(function: CheckFunction) -> CheckFunction:
        CHECKS.append(Check(rule, step, function))
        CHECKS.sort(key=lambda registered: registered.step)
        return function

    return register
