"""Scoring features: each function is one piece of evidence, its docstring what users are told.

A hit's score is the name similarity plus the small adjustments of the other features,
clamped to 0..1. Every feature returns a :class:`Feature` whose explanation names the
evidence, so an analyst can see why a name was (or was not) raised.
"""

from __future__ import annotations

from exportguard.lists.model import Party
from exportguard.matching.alignment import Alignment
from exportguard.matching.dictionary import is_dictionary_word
from exportguard.matching.index import MIN_FUZZY_LENGTH, PARENT, PRIMARY, NameVariant
from exportguard.matching.model import COMMON_WORD_ALONE_CAP, COMMON_WORD_CAP, Feature
from exportguard.matching.normalize import NormalizedName, fold
from exportguard.matching.vocabulary import GENERIC_WORDS, INSTITUTION_WORDS, PLACE_WORDS

COMPACT_MATCH = 0.9
GENERIC_ONLY_CAP = 0.5
#: The list's entity type of a person (OFAC's SDN "Individual").
INDIVIDUAL = "Individual"
INDIVIDUAL_PENALTY = -0.10
OTHER_KIND_OF_BODY_PENALTY = -0.10
ADDRESS_AGREEMENT = 0.03


def name_similarity(alignment: Alignment, query: NormalizedName, variant: NameVariant) -> Feature:
    """How much of both names' identifying words agree, weighted by rarity (typos and word order tolerated)."""
    value = alignment.word_similarity
    if alignment.compact >= COMPACT_MATCH and alignment.compact > value:
        how = "spelled the same" if query.compact == variant.normalized.compact else "spelled alike"
        return Feature(
            "name_similarity",
            alignment.compact,
            f"'{variant.name}' {how} apart from spacing ({alignment.compact:.2f})",
        )
    shared = sorted(set(query.tokens) & set(variant.normalized.tokens))
    return Feature(
        "name_similarity",
        value,
        f"name similarity {value:.2f} with '{variant.name}' (shared words: {', '.join(shared) or 'none exact'})",
    )


def distinctive_evidence(alignment: Alignment, query: NormalizedName, variant: NameVariant) -> Feature | None:
    """Generic words alone ("CORP", "TECHNOLOGY", "COMPANY") never make a hit: a distinctive word must agree,
    unless the listed name is itself only generic words and every one of them matches, or all but one of them
    and three or more do."""
    if alignment.query.distinctive_matches:
        return None
    if alignment.compact >= COMPACT_MATCH and alignment.query.has_distinctive:
        return None
    if len(variant.normalized.tokens) >= 2 and alignment.query.all_matched and alignment.name.all_matched:
        return None
    if _generic_combination_less_one(alignment, query, variant):
        return None
    return Feature("generic_only", -1.0, "only generic or common words in common: capped below the hit threshold")


#: Words of a listed name of only generic words a screened name must hold (and nothing else) when it
#: leaves one out: their combination is what names the entry ("University of Electronic Science and China").
GENERIC_COMBINATION_WORDS = 3


def _generic_combination_less_one(alignment: Alignment, query: NormalizedName, variant: NameVariant) -> bool:
    if alignment.name.has_distinctive or not alignment.query.all_matched:
        return False
    words = set(query.tokens)
    return len(words) >= GENERIC_COMBINATION_WORDS and len(set(variant.normalized.tokens) - words) <= 1


CONTAINED_SHARE = 0.4
#: Words of 4+ letters a screened name may leave out of a listed name and still be that name with words left out.
CONTAINED_LEFT_OUT = 2


def contained_bonus(similarity: float) -> float:
    """What :func:`contained_name` adds to a name similarity (grows with it, so bounds stay bounds)."""
    return CONTAINED_SHARE * (1.0 - similarity)


def contained_name(alignment: Alignment, query: NormalizedName) -> Feature | None:
    """Every word of the screened name (two or more, one of them a distinctive word of 4+ letters) is in the listed
    name, which has at most two more words of 4+ letters: customers leave a word or two out, so part of the gap to a
    full match is made up (a name leaving out more, such as a region against its "People's Government Public
    Security Bureau", names something else)."""
    if len(query.tokens) < 2 or not alignment.query.all_matched or alignment.name.all_matched:
        return None
    if not any(len(word) >= MIN_FUZZY_LENGTH for word in alignment.query.evidence):
        return None
    if sum(len(word) >= MIN_FUZZY_LENGTH for word in alignment.name.strays) > CONTAINED_LEFT_OUT:
        return None
    bonus = contained_bonus(alignment.word_similarity)
    if bonus <= 0:
        return None
    return Feature("contained", bonus, "every word of the screened name is in the listed name (a word or two left out)")


def single_common_word(alignment: Alignment, query: NormalizedName) -> Feature | None:
    """A hit resting on one ordinary dictionary word ("Vista", "Apex", "Pioneer") is at most a possible match
    to review (capped below the strong threshold), unless that word is the whole of both names."""
    word = _lone_common_word(alignment)
    if word is None or _common_word_alone(alignment, query):
        return None
    return Feature(
        "common_word",
        COMMON_WORD_CAP,
        f"only the ordinary word '{word}' identifies the match: at most a possible match ({COMMON_WORD_CAP:.2f})",
    )


def common_word_alone(alignment: Alignment, query: NormalizedName) -> Feature | None:
    """One ordinary dictionary word agreeing, when it is all the screened name says ("Target Corp" against
    "Target Transportation Ltd") or the screened name has a word the listed name lacks ("Liberty Global"
    against "Liberty Shipping"), is a possible match below the default threshold, not a hit."""
    word = _lone_common_word(alignment)
    if word is None or not _common_word_alone(alignment, query):
        return None
    return Feature(
        "common_word_alone",
        COMMON_WORD_ALONE_CAP,
        f"only the ordinary word '{word}' agrees and "
        + (
            "it is the screened name's only word"
            if len(set(query.tokens)) == 1
            else f"the screened name's {', '.join(repr(word) for word in alignment.query.strays)} the listed name lacks"
        )
        + f": a possible match below the threshold ({COMMON_WORD_ALONE_CAP:.2f})",
    )


def _lone_common_word(alignment: Alignment) -> str | None:
    """The one ordinary word a match rests on, unless it is the whole of both names (or they are spelled alike)."""
    if alignment.query.distinctive_matches != 1:
        return None
    if (alignment.query.all_matched and alignment.name.all_matched) or alignment.compact >= COMPACT_MATCH:
        return None
    (word,) = alignment.query.evidence
    return word if is_dictionary_word(word) else None


def _common_word_alone(alignment: Alignment, query: NormalizedName) -> bool:
    """The word is the screened name's only word, or the screened name has a word of 4+ letters the listed name
    lacks (shorter ones are initials and fragments, which say little)."""
    return len(set(query.tokens)) == 1 or any(len(word) >= MIN_FUZZY_LENGTH for word in alignment.query.strays)


def misspelt_words(alignment: Alignment) -> Feature | None:
    """Words the lists never use read as the listed words they misspell (one edit in 4-7 letters, two in 8+)."""
    if not alignment.query.misspelt:
        return None
    pairs = ", ".join(f"'{word}' as '{listed}'" for word, listed in alignment.query.misspelt)
    return Feature("misspelt", 0.0, f"read as misspellings: {pairs}")


def disguised_characters(query: NormalizedName) -> Feature | None:
    """Invisible characters or look-alike letters in the screened name were undone before matching: itself a red flag."""
    if not query.cleaned:
        return None
    return Feature("disguised", 0.0, f"name cleaned before matching (a red flag): {'; '.join(query.cleaned)}")


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


def company_against_individual(query: NormalizedName, party: Party) -> Feature | None:
    """A screened name with a legal form (Ltd, S.A., GmbH) names a company; an entry for an individual is another
    kind of party, so the match counts for less."""
    if not query.legal_forms or party.entity_type != INDIVIDUAL:
        return None
    forms = ", ".join(sorted(set(query.legal_forms)))
    return Feature(
        "entity_type",
        INDIVIDUAL_PENALTY,
        f"the screened name has a legal form ({forms}) but the entry is an individual",
    )


def institution_against_company(query: NormalizedName, variant: NameVariant) -> Feature | None:
    """An institution (a name with "Institute", "University", "Ministry" and no legal form) against a company (a
    name with a legal form and no such word), either way round, is another kind of body sharing words with it
    (Hudson Institute, Hudson Technologies Ltd): the match counts for less."""
    listed = variant.normalized
    if bool(query.legal_forms) == bool(listed.legal_forms):
        return None
    company, institution = (listed, query) if listed.legal_forms else (query, listed)
    kinds = _institution_words(institution)
    if not kinds or _institution_words(company):
        return None
    forms = ", ".join(sorted(set(company.legal_forms)))
    if institution is query:
        explanation = f"the screened name names an institution ({kinds}) and the listed name a company ({forms})"
    else:
        explanation = f"the listed name names an institution ({kinds}) and the screened name a company ({forms})"
    return Feature("kind_of_body", OTHER_KIND_OF_BODY_PENALTY, explanation + ": another kind of body")


def _institution_words(name: NormalizedName) -> str:
    return ", ".join(sorted(INSTITUTION_WORDS.intersection(name.tokens)))


def place_in_address(alignment: Alignment, address: str | None, party: Party) -> Feature | None:
    """A place word of the screened name that the listed name lacks ("Zhejiang" Dahua) but a listed address of the
    entry holds agrees with the entry, as a matching address would (when no address is screened)."""
    places = [word for word in alignment.query.strays if word in PLACE_WORDS]
    if address or not places or not party.addresses:
        return None
    listed = {word for text in party.addresses for word in fold(text).split()}
    found = [word for word in places if word in listed]
    if not found:
        return None
    return Feature(
        "address", ADDRESS_AGREEMENT, f"{', '.join(map(repr, found))} in the screened name is in a listed address"
    )


def address_agreement(address: str | None, party: Party) -> Feature | None:
    """Distinctive words of the screened address found in one of the entry's addresses."""
    if not address or not party.addresses:
        return None
    ours = {word for word in fold(address).split() if len(word) > 2 and word not in GENERIC_WORDS}
    best = max((len(ours & set(fold(listed).split())) for listed in party.addresses), default=0)
    if not ours or best / len(ours) < 0.5:
        return None
    return Feature("address", ADDRESS_AGREEMENT, f"{best} of {len(ours)} address words match a listed address")


def cross_script_reading(query: NormalizedName) -> Feature | None:
    """A query in Chinese or Cyrillic script is compared through its romanisation, shown here."""
    if not query.cross_script:
        return None
    return Feature("cross_script", 0.0, f"'{query.original}' read as '{' '.join(query.tokens)}'")
