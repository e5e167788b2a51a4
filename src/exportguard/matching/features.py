"""Scoring features: each function is one piece of evidence, its docstring what users are told.

A hit's score is the name similarity plus the small adjustments of the other features,
clamped to 0..1. Every feature returns a :class:`Feature` whose explanation names the
evidence, so an analyst can see why a name was (or was not) raised.
"""

from __future__ import annotations

from rapidfuzz.distance import OSA, Indel

from exportguard.lists.model import Party
from exportguard.matching.index import PARENT, PRIMARY, NameIndex, NameVariant
from exportguard.matching.model import Feature
from exportguard.matching.normalize import NormalizedName, fold
from exportguard.matching.vocabulary import GENERIC_WORDS, PLACE_WORDS

GENERIC_FACTOR = 0.3
PLACE_FACTOR = 0.5
TOKEN_MATCH = 0.82
COMPACT_MATCH = 0.9
GENERIC_ONLY_CAP = 0.5
SHORT_WORD_PENALTY = 1.25


def token_similarity(a: str, b: str) -> float:
    """1 for equal tokens; 1 - edits/length for a typo or two in a word of 4+ letters (more for short words); else 0."""
    if a == b:
        return 1.0
    shorter = min(len(a), len(b))
    if shorter < 4 or abs(len(a) - len(b)) > 2:
        return 0.0
    allowed = 1 if shorter <= 7 else 2 if shorter <= 11 else 3
    distance = OSA.distance(a, b, score_cutoff=allowed)
    if distance > allowed:
        return 0.0
    # One letter in six is as often another company (Micron, Mikron) as a typo: short words pay more.
    penalty = SHORT_WORD_PENALTY if shorter <= 6 else 1.0
    return 1.0 - penalty * distance / max(len(a), len(b))


def token_weight(index: NameIndex, token: str) -> float:
    """Identity weight: inverse document frequency, damped for generic words and place names."""
    weight = index.weight(token)
    if token in GENERIC_WORDS:
        return weight * GENERIC_FACTOR
    return weight * PLACE_FACTOR if token in PLACE_WORDS else weight


def _best_match(position: int, side: NormalizedName, other: NormalizedName) -> tuple[float, str]:
    token, raw = side.tokens[position], side.raw_tokens[position]
    best, partner = 0.0, ""
    for candidate, candidate_raw in zip(other.tokens, other.raw_tokens, strict=True):
        similarity = max(token_similarity(token, candidate), token_similarity(raw, candidate_raw))
        if similarity > best:
            best, partner = similarity, candidate
    return best, partner


def _aligned(side: NormalizedName, other: NormalizedName, index: NameIndex) -> tuple[float, float, int]:
    """Weighted share of one name's words found in the other; a typo borrows the weight of the word it spells."""
    matched = total = 0.0
    distinctive = 0
    for position, token in enumerate(side.tokens):
        similarity, partner = _best_match(position, side, other)
        weight = token_weight(index, partner if similarity and not index.is_known(token) else token)
        total += weight
        matched += weight * similarity
        distinctive += similarity >= TOKEN_MATCH and index.is_distinctive(partner)
    return matched, total, distinctive


def name_similarity(query: NormalizedName, variant: NameVariant, index: NameIndex) -> Feature:
    """How much of both names' identifying words agree, weighted by rarity (typos and word order tolerated)."""
    name = variant.normalized
    query_matched, query_total, _ = _aligned(query, name, index)
    name_matched, name_total, _ = _aligned(name, query, index)
    value = (query_matched + name_matched) / ((query_total + name_total) or 1.0)
    compact = Indel.normalized_similarity(query.compact, name.compact)
    if compact >= COMPACT_MATCH and compact > value:
        return Feature(
            "name_similarity", compact, f"'{variant.name}' spelled the same apart from spacing ({compact:.2f})"
        )
    shared = sorted(set(query.tokens) & set(name.tokens))
    return Feature(
        "name_similarity",
        value,
        f"name similarity {value:.2f} with '{variant.name}' (shared words: {', '.join(shared) or 'none exact'})",
    )


def distinctive_evidence(query: NormalizedName, variant: NameVariant, index: NameIndex) -> Feature | None:
    """Generic words alone ("CORP", "TECHNOLOGY", "COMPANY") never make a hit: a distinctive word must agree,
    unless the listed name is itself only generic words and every one of them matches."""
    name = variant.normalized
    if _aligned(query, name, index)[2]:
        return None
    if Indel.normalized_similarity(query.compact, name.compact) >= COMPACT_MATCH:
        return None
    if (
        len(name.tokens) >= 2
        and all(_best_match(i, name, query)[0] >= TOKEN_MATCH for i in range(len(name.tokens)))
        and all(_best_match(i, query, name)[0] >= TOKEN_MATCH for i in range(len(query.tokens)))
    ):
        return None
    return Feature("generic_only", -1.0, "only generic or common words in common: capped below the hit threshold")


def matched_name_kind(variant: NameVariant) -> Feature:
    """Which of the entry's names matched: its primary name, an alias, a short name or an affiliate's name."""
    if variant.kind == PARENT:
        return Feature(
            "matched_name", -0.08, f"matched the parent company named in this affiliate entry: '{variant.name}'"
        )
    if variant.kind == PRIMARY:
        return Feature("matched_name", 0.0, f"matched the entry's primary name '{variant.name}'")
    return Feature("matched_name", 0.0, f"matched the entry's {variant.kind} '{variant.name}'")


def legal_form_agreement(query: NormalizedName, variant: NameVariant) -> Feature | None:
    """Legal forms (Ltd, LLC, JSC, GmbH, 有限公司) are weak: agreeing adds a little, differing costs nothing."""
    shared = set(query.legal_forms) & set(variant.normalized.legal_forms)
    if not shared:
        return None
    return Feature("legal_form", 0.02, f"legal form agrees ({', '.join(sorted(shared))})")


def country_agreement(country: str | None, party: Party) -> Feature | None:
    """The screened country against the countries in the entry's addresses: a match adds, a mismatch subtracts."""
    if not country or not party.countries:
        return None
    if country.upper() in party.countries:
        return Feature("country", 0.03, f"country {country.upper()} matches the listed address")
    listed = ", ".join(party.countries[:5])
    return Feature("country", -0.10, f"country {country.upper()} differs from the listed address country ({listed})")


def address_agreement(address: str | None, party: Party) -> Feature | None:
    """Distinctive words of the screened address found in one of the entry's addresses."""
    if not address or not party.addresses:
        return None
    ours = {word for word in fold(address).split() if len(word) > 2 and word not in GENERIC_WORDS}
    best = max((len(ours & set(fold(listed).split())) for listed in party.addresses), default=0)
    if not ours or best / len(ours) < 0.5:
        return None
    return Feature("address", 0.03, f"{best} of {len(ours)} address words match a listed address")


def cross_script_reading(query: NormalizedName) -> Feature | None:
    """A query in Chinese or Cyrillic script is compared through its romanisation, shown here."""
    if not query.cross_script:
        return None
    return Feature("cross_script", 0.0, f"'{query.original}' read as '{' '.join(query.tokens)}'")
