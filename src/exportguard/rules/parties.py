"""Parties against the restricted-party lists, as of a date: which entries were in force, which hits
are strong enough to act on, and which are unresolved fuzzy matches an analyst must decide."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from exportguard.lists.cn_sanctions import LIST_CODES as CHINESE_COUNTER_LISTS
from exportguard.lists.freshness import freshness
from exportguard.lists.model import Party
from exportguard.matching.model import Hit
from exportguard.matching.screener import Screener
from exportguard.rules.data import LedgerAction, RuleData
from exportguard.rules.transaction import TxParty

SCREENED_LISTS = ("EL", "DPL", "UVL", "MEU", "SDN", *CHINESE_COUNTER_LISTS)


class PartyMatcher(Protocol):
    """What the engine needs from screening: hits for a name, and the list versions they come from."""

    @property
    def list_versions(self) -> tuple[str, ...]: ...

    @property
    def lists_as_of(self) -> date | None: ...

    def freshness(self) -> dict[str, Any]:
        """Each list's as-of date and the warnings for stale ones (:mod:`exportguard.lists.freshness`)."""
        ...

    def hits(self, name: str, country: str | None, address: str | None) -> Sequence[Hit]: ...


class ScreenerMatcher:
    """A :class:`PartyMatcher` over a :class:`~exportguard.matching.screener.Screener`."""

    def __init__(self, screener: Screener) -> None:
        self.screener = screener

    @property
    def list_versions(self) -> tuple[str, ...]:
        return (self.screener.list_version,)

    @property
    def lists_as_of(self) -> date | None:
        return self.screener.snapshot.version.as_of

    def freshness(self) -> dict[str, Any]:
        return freshness(self.screener.snapshot).to_dict()

    def hits(self, name: str, country: str | None, address: str | None) -> Sequence[Hit]:
        return self.screener.screen(name, country, address=address, lists=SCREENED_LISTS, limit=25)


def default_matcher() -> ScreenerMatcher:
    """The matcher over the bundled Consolidated Screening List."""
    from exportguard.matching.screener import default_screener

    return ScreenerMatcher(default_screener())


@dataclass(frozen=True)
class ListMatch:
    """A hit for one transaction party, with when its entry took effect and whether it is in force."""

    party: TxParty
    hit: Hit
    effective: date | None
    action: LedgerAction | None
    in_force: bool

    @property
    def entry(self) -> Party:
        return self.hit.party

    @property
    def strong(self) -> bool:
        return self.hit.band == "strong"

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(str(citation) for citation in self.entry.fr_citations) or (self.entry.federal_register_notice,)

    def describe(self) -> str:
        listed = f"in force from {self.effective}" if self.effective else "listing date unknown"
        how = f"alias {self.hit.matched_name!r}" if self.hit.matched_alias else f"name {self.hit.matched_name!r}"
        return (
            f"{self.party.name!r} ({self.party.role}) matches {self.entry.list_code} entry {self.entry.name!r} "
            f"by {how}, score {self.hit.score:.2f} ({self.hit.band}); {listed}"
        )


def effective_date(entry: Party, data: RuleData) -> tuple[date | None, LedgerAction | None]:
    """When an entry took effect: its first FR citation through the ledger, else its CSL start date."""
    first = entry.fr_citations[0] if entry.fr_citations else None
    action = data.action_for(first) if entry.list_code == "EL" else None
    if action is not None:
        return action.effective, action
    if entry.list_code == "MEU":
        return max(filter(None, (entry.start_date, data.dated["meu_list_effective"]))), None
    return entry.start_date, None


def in_force(entry: Party, effective: date | None, as_of: date) -> bool:
    """Listed on ``as_of``: on or after the effective date and not past an end date (denial orders)."""
    started = effective is None or effective <= as_of
    return started and (entry.end_date is None or as_of <= entry.end_date)


def match_parties(parties: Sequence[TxParty], matcher: PartyMatcher, data: RuleData, as_of: date) -> list[ListMatch]:
    """Every hit for every party, dated; the engine decides what each means."""
    found = []
    for party in parties:
        for hit in matcher.hits(party.name, party.country, party.address):
            effective, action = effective_date(hit.party, data)
            found.append(ListMatch(party, hit, effective, action, in_force(hit.party, effective, as_of)))
    return found
