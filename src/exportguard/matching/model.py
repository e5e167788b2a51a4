"""What a screening returns: ranked hits, each with the features that explain its score."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exportguard.lists.model import Party

#: Score at or above which a hit is returned by default.
DEFAULT_THRESHOLD = 0.80
#: Score at or above which a hit is a strong (near-certain) match rather than one to review.
STRONG_THRESHOLD = 0.92


@dataclass(frozen=True)
class Feature:
    """One named piece of evidence for or against a hit, with the sentence users see."""

    name: str
    value: float
    explanation: str


@dataclass(frozen=True)
class Hit:
    """A list entry that matches a screened name, with its score and why."""

    party: Party
    score: float
    query: str
    matched_name: str
    matched_alias: bool
    features: tuple[Feature, ...]
    list_version: str

    @property
    def band(self) -> str:
        """``strong`` for near-certain matches, ``review`` for ones an analyst should look at."""
        return "strong" if self.score >= STRONG_THRESHOLD else "review"

    @property
    def explanation(self) -> str:
        """The features, most decisive first, as one readable sentence per line."""
        return "\n".join(feature.explanation for feature in self.features)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for APIs, CSV writers and the audit trail."""
        party = self.party
        return {
            "score": round(self.score, 4),
            "band": self.band,
            "query": self.query,
            "list": party.list_code,
            "list_name": party.list_name,
            "entry_key": party.key,
            "source_id": party.source_id,
            "name": party.name,
            "matched_name": self.matched_name,
            "matched_alias": self.matched_alias,
            "countries": list(party.countries),
            "addresses": list(party.addresses),
            "federal_register": party.federal_register_notice,
            "start_date": party.start_date.isoformat() if party.start_date else None,
            "license_requirement": party.license_requirement,
            "license_policy": party.license_policy,
            "programs": list(party.programs),
            "features": [
                {"name": f.name, "value": round(f.value, 4), "explanation": f.explanation} for f in self.features
            ],
            "list_version": self.list_version,
        }
