"""What a screening returns: ranked hits, each with the features that explain its score."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exportguard.lists.model import Party

#: Score at or above which a hit is returned by default (chosen on bench/screening_accuracy.py).
DEFAULT_THRESHOLD = 0.80
#: Score at or above which a hit is a strong (near-certain) match rather than a possible match to review.
STRONG_THRESHOLD = 0.92
#: Scores from here up to the threshold asked for are near misses: never reported as "no hit", but
#: counted as possible matches below the threshold (bench/screening_accuracy.py shows what they add).
REVIEW_FLOOR = 0.70
#: Where a hit resting on one ordinary dictionary word is capped: a possible match to review, never strong.
COMMON_WORD_CAP = 0.91
#: Where it is capped when that word is all the screened name says, or the screened name has words the listed
#: name lacks: a possible match below the default threshold, shown as such, never a hit by default.
COMMON_WORD_ALONE_CAP = 0.78


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
        """``strong`` for near-certain matches, ``review`` for possible matches an analyst should look at."""
        return "strong" if self.score >= STRONG_THRESHOLD else "review"

    @property
    def band_label(self) -> str:
        """What the band means, as users read it."""
        return "strong match" if self.band == "strong" else "possible match: review"

    @property
    def held_back(self) -> tuple[str, ...]:
        """For a review hit, the evidence that kept it from strong: whatever took from the score, or a name
        similarity short of the strong threshold."""
        if self.band == "strong":
            return ()
        reasons = [
            feature.explanation
            for feature in self.features
            if feature.value < 0
            or (feature.name == "name_similarity" and feature.value < STRONG_THRESHOLD)
            or feature.name in ("common_word", "misspelt", "disguised")
        ]
        return tuple(reasons) or (f"score {self.score:.2f} is below the strong threshold {STRONG_THRESHOLD:.2f}",)

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
            "band_label": self.band_label,
            "held_back_by": list(self.held_back),
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
