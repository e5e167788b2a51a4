"""Word-by-word alignment of a query with a candidate name: the measurements the features explain.

Computed once per candidate: for each word on either side, its best partner on the other side
and how similar they are; weights come from the index (rarity), damped for generic words and
place names. Exact partners are found by set lookup; only the rest pay for an edit distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA, Indel, Levenshtein

from exportguard.matching.index import NameIndex
from exportguard.matching.normalize import NormalizedName
from exportguard.matching.vocabulary import GENERIC_WORDS, PLACE_WORDS

GENERIC_FACTOR = 0.3
PLACE_FACTOR = 0.5
TOKEN_MATCH = 0.82
SHORT_WORD_PENALTY = 1.25
COMPACT_LENGTH_SLACK = 2


@lru_cache(maxsize=1 << 20)
def token_similarity(a: str, b: str) -> float:
    """1 for equal words; 1 - edits/length for a typo or two in a word of 4+ letters (more for short words); else 0."""
    if a == b:
        return 1.0
    shorter = min(len(a), len(b))
    if shorter < 4 or abs(len(a) - len(b)) > 2:
        return 0.0
    allowed = 1 if shorter <= 7 else 2 if shorter <= 11 else 3
    distance = OSA.distance(a, b, score_cutoff=allowed)
    if distance > allowed:
        return 0.0
    # A changed letter in a short word is as often another company (Micron, Mikron) as a typo, so it
    # pays more; two swapped letters (Peiton, Petion) are a typo whatever the length.
    swapped = len(a) == len(b) and Levenshtein.distance(a, b) == 2 * distance
    penalty = SHORT_WORD_PENALTY if shorter <= 6 and not swapped else 1.0
    return 1.0 - penalty * distance / max(len(a), len(b))


def token_weight(index: NameIndex, token: str) -> float:
    """Identity weight: inverse document frequency, damped for generic words and place names."""
    cached = index.damped_weights.get(token)
    if cached is None:
        weight = index.weight(token)
        factor = GENERIC_FACTOR if token in GENERIC_WORDS else PLACE_FACTOR if token in PLACE_WORDS else 1.0
        cached = index.damped_weights[token] = weight * factor
    return cached


@dataclass(frozen=True)
class SideAlignment:
    """How one name's words are covered by the other's."""

    matched: float
    total: float
    distinctive_matches: int
    all_matched: bool
    has_distinctive: bool


@dataclass(frozen=True)
class Alignment:
    """Both directions of a query/name comparison plus their spacing-free string similarity."""

    query: SideAlignment
    name: SideAlignment
    compact: float

    @property
    def word_similarity(self) -> float:
        """Weighted share of both names' words that agree (a soft Dice coefficient)."""
        total = self.query.total + self.name.total
        return (self.query.matched + self.name.matched) / total if total else 0.0


def align(query: NormalizedName, name: NormalizedName, index: NameIndex) -> Alignment:
    """Align a query with one candidate name in both directions."""
    return Alignment(_side(query, name, index), _side(name, query, index), compact_similarity(query, name))


def compact_similarity(query: NormalizedName, name: NormalizedName) -> float:
    """Similarity of the names written without spaces, when they differ by at most two letters ("Hik Vision")."""
    if abs(len(query.compact) - len(name.compact)) > COMPACT_LENGTH_SLACK:
        return 0.0
    return Indel.normalized_similarity(query.compact, name.compact)


def _side(side: NormalizedName, other: NormalizedName, index: NameIndex) -> SideAlignment:
    matched = total = 0.0
    distinctive = 0
    all_matched = True
    has_distinctive = False
    other_tokens = set(other.tokens)
    for token, raw in zip(side.tokens, side.raw_tokens, strict=True):
        if token in other_tokens:
            similarity, partner = 1.0, token
        else:
            similarity, partner = _best_partner(token, raw, other)
        weight = token_weight(index, partner if similarity and not index.is_known(token) else token)
        total += weight
        matched += weight * similarity
        distinctive += similarity >= TOKEN_MATCH and index.is_distinctive(partner)
        all_matched = all_matched and similarity >= TOKEN_MATCH
        has_distinctive = has_distinctive or index.is_distinctive(token)
    return SideAlignment(matched, total, distinctive, all_matched, has_distinctive)


def _best_partner(token: str, raw: str, other: NormalizedName) -> tuple[float, str]:
    best, partner = 0.0, ""
    for candidate, candidate_raw in zip(other.tokens, other.raw_tokens, strict=True):
        similarity = token_similarity(token, candidate)
        if raw != token or candidate_raw != candidate:
            similarity = max(similarity, token_similarity(raw, candidate_raw))
        if similarity > best:
            best, partner = similarity, candidate
    return best, partner
