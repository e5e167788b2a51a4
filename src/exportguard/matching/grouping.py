"""Hits grouped by listed entity family, so one entity's many rows never bury another entity's hit.

A family is the entity a row is about: rows of one entity listed at several addresses share its
name, and an affiliate entry ("Huawei Technologies Co., Ltd. (Huawei). Affiliated Entity: ...")
belongs to the parent it names. The family key is the entry's primary name without bracketed
qualifiers ("(Huawei)", "(Australia)") and without the affiliate clause, normalised.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from exportguard.matching.model import Hit
from exportguard.matching.normalize import normalize

_AFFILIATE = re.compile(r"\.?\s*Affiliated Entity:\s*", re.IGNORECASE)
_BRACKETED = re.compile(r"\([^()]*\)")


@lru_cache(maxsize=100_000)
def entity_family(name: str) -> str:
    """The family key of a listed name: the parent named in an affiliate clause, or the name itself,
    without bracketed qualifiers, as normalised words in order."""
    root = _AFFILIATE.split(name)[0]
    tokens = normalize(_BRACKETED.sub(" ", root)).tokens or normalize(root).tokens
    return " ".join(sorted(tokens))


def is_affiliate_entry(name: str) -> bool:
    """True for a row that lists an affiliate of a parent named in the same entry."""
    return _AFFILIATE.search(name) is not None


@dataclass(frozen=True)
class HitGroup:
    """The hits of one screened name on one listed entity family, best row first."""

    family: str
    hits: tuple[Hit, ...]

    @property
    def best(self) -> Hit:
        return self.hits[0]

    @property
    def affiliates(self) -> int:
        """Rows of the family under another name than the best row's (affiliates, subsidiaries)."""
        return family_rows(self.best.party.name, [hit.party.name for hit in self.hits])[1]

    @property
    def addresses(self) -> int:
        """Rows of the best row's entity (the same name, another address or list)."""
        return family_rows(self.best.party.name, [hit.party.name for hit in self.hits])[0]

    @property
    def label(self) -> str:
        """'Huawei Technologies Co., Ltd. (3 listed rows) and 33 listed affiliates'."""
        return family_label(self.best.party.name, [hit.party.name for hit in self.hits])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the label, the counts and every hit of the group, best first."""
        return {
            "family": self.family,
            "label": self.label,
            "best_score": round(self.best.score, 4),
            "band": self.best.band,
            "rows": len(self.hits),
            "affiliates": self.affiliates,
            "lists": sorted({hit.party.list_code for hit in self.hits}),
            "hits": [hit.to_dict() for hit in self.hits],
        }


def family_rows(best_name: str, names: Sequence[str]) -> tuple[int, int]:
    """Of a family's listed rows (``names``, the best row's among them), how many name the best row's entity (at
    other addresses or on other lists) and how many name its affiliates."""
    best = _words_outside_brackets(best_name)
    same = sum(1 for name in names if _words_outside_brackets(name) == best)
    return same, len(names) - same


def family_label(best_name: str, names: Sequence[str]) -> str:
    """A family as people read it: the best row's name, its other listed rows and its listed affiliates."""
    same, affiliates = family_rows(best_name, names)
    label = best_name
    if same > 1:
        label += f" ({same} listed rows)"
    if affiliates:
        label += f" and {affiliates} listed affiliate{'s' if affiliates > 1 else ''}"
    return label


@lru_cache(maxsize=100_000)
def _words_outside_brackets(name: str) -> str:
    # Cached like entity_family: a group's label and counts ask for every row's name several times.
    return " ".join(sorted(normalize(_BRACKETED.sub(" ", name)).tokens))


def group_hits(hits: Sequence[Hit]) -> list[HitGroup]:
    """Ranked hits folded into families, in the order of each family's best hit."""
    families: dict[str, list[Hit]] = {}
    for hit in hits:
        families.setdefault(entity_family(hit.party.name), []).append(hit)
    return [HitGroup(family, tuple(members)) for family, members in families.items()]


@dataclass(frozen=True)
class Screening:
    """One name's screening as every surface shows it: grouped hits at or above the threshold, and the
    possible matches just below it, so a near miss is never reported as "no hit"."""

    query: str
    threshold: float
    groups: tuple[HitGroup, ...]
    #: Families with a hit, of which ``groups`` holds the first ``limit``.
    total_groups: int
    #: Possible matches: scores from REVIEW_FLOOR up to the threshold, best first.
    possible: tuple[Hit, ...]

    @property
    def hits(self) -> list[Hit]:
        """Every hit of the groups shown, group by group."""
        return [hit for group in self.groups for hit in group.hits]

    @property
    def summary(self) -> str:
        """'2 of 2 listed entities (40 rows) at ≥ 0.80', or 'no hit at ≥ 0.80; 3 possible matches below'."""
        if not self.groups:
            found = f"no hit at ≥ {self.threshold:.2f}"
            if self.possible:
                many = len(self.possible) > 1
                found += f"; {len(self.possible)} possible match{'es' if many else ''} below"
            return found
        rows = sum(len(group.hits) for group in self.groups)
        return f"{len(self.groups)} of {self.total_groups} listed entities ({rows} rows) at ≥ {self.threshold:.2f}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "threshold": self.threshold,
            "summary": self.summary,
            "groups_shown": len(self.groups),
            "groups_total": self.total_groups,
            "groups": [group.to_dict() for group in self.groups],
            "possible_matches": [hit.to_dict() for hit in self.possible],
        }
