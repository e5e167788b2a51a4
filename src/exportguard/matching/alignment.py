"""Word-by-word alignment of a query with a candidate name: the measurements the features explain.

Computed once per candidate: for each word on either side, its best partner on the other side
and how similar they are; weights come from the index (rarity), damped for generic words and
place names. Exact partners are found by set lookup; only the rest pay for an edit distance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel, Levenshtein

from exportguard.matching.dictionary import is_dictionary_word
from exportguard.matching.index import MIN_FUZZY_LENGTH, NameIndex, is_distinctive_spelling
from exportguard.matching.normalize import NormalizedName
from exportguard.matching.vocabulary import GENERIC_WORDS, PLACE_WORDS

GENERIC_FACTOR = 0.3
PLACE_FACTOR = 0.5
TOKEN_MATCH = 0.82
#: Similarity of a word the lists never use with the listed word it misspells ("Huawai", "Hikvison"):
#: the listed word, read with a doubt that keeps the hit from strong on its own.
MISSPELT_WORD = 0.9
SHORT_WORD_CHANGE = 0.78
SHORT_WORD_PENALTY = 1.25
COMPACT_LENGTH_SLACK = 2
#: Words of MIN_FUZZY_LENGTH or more letters may differ in length by at most this and still match.
MAX_LENGTH_GAP = 2
#: The most edits token_similarity accepts (words of 12+ letters): a superset filter for it.
_MOST_EDITS = 3
#: Resemblances remembered per index for the word-similarity bound; the memo is emptied when full.
_RESEMBLED_MEMO_SIZE = 1_000_000
#: Query words whose reach (word_reach) is remembered per index; the memo is emptied when full.
_WORD_REACH_MEMO_SIZE = 200_000
#: Cells (query words x indexed words, a byte each) of the edit-distance matrix word_reaches computes at a time.
_DISTANCE_CELLS = 1 << 22


@lru_cache(maxsize=1 << 20)
def token_similarity(a: str, b: str) -> float:
    """1 for equal words; 1 - edits/length for a typo in a word of 4+ letters, two once either has 8+ letters
    (more for short words); else 0."""
    if a == b:
        return 1.0
    shorter = min(len(a), len(b))
    if shorter < MIN_FUZZY_LENGTH or abs(len(a) - len(b)) > MAX_LENGTH_GAP:
        return 0.0
    allowed = 1 if max(len(a), len(b)) <= 7 else 2 if shorter <= 11 else 3
    distance = OSA.distance(a, b, score_cutoff=allowed)
    if distance > allowed:
        return 0.0
    # A changed letter in a short word is as often another company (Micron, Mikron) as a typo, so it
    # pays more; two swapped letters (Peiton, Petion) are a typo whatever the length.
    swapped = len(a) == len(b) and Levenshtein.distance(a, b) == 2 * distance
    penalty = SHORT_WORD_PENALTY if shorter <= 6 and not swapped else 1.0
    return 1.0 - penalty * distance / max(len(a), len(b))


@lru_cache(maxsize=1 << 16)
def is_misspelling(a: str, b: str) -> bool:
    """Words of 4-7 letters one edit apart, or two apart once either has 8+ letters (a swap of neighbours is
    one edit)."""
    if min(len(a), len(b)) < MIN_FUZZY_LENGTH:
        return False
    allowed = 1 if max(len(a), len(b)) <= 7 else 2
    return OSA.distance(a, b, score_cutoff=allowed) <= allowed


def extends_english_word(english: str, listed: str) -> bool:
    """An English word is itself: a listed word that adds an ending other than a plural to it and is not English
    ("Element", "Elemento") is another word, in another language, not its misspelling."""
    ending = listed[len(english) :]
    return bool(ending) and listed.startswith(english) and ending not in _PLURALS and not is_dictionary_word(listed)


_PLURALS = ("s", "es")


@lru_cache(maxsize=1 << 16)
def misspelt_word_similarity(a: str, b: str) -> float:
    """How a word the lists never use compares with the listed word it misspells: MISSPELT_WORD, or, for a
    changed letter in a word of 4 or 5 letters, which is as often another name (Intel, Inter) as a typo,
    SHORT_WORD_CHANGE: a possible match below the default threshold on its own."""
    changed = len(a) == len(b) and Levenshtein.distance(a, b) == OSA.distance(a, b)
    return SHORT_WORD_CHANGE if changed and min(len(a), len(b)) <= 5 else MISSPELT_WORD


def word_pair_similarity(token: str, token_raw: str, word: str, raw: str) -> float:
    """Two words' similarity, also as written where normalisation rewrote either (a transliteration)."""
    similarity = token_similarity(token, word)
    if token_raw != token or raw != word:
        similarity = max(similarity, token_similarity(token_raw, raw))
    return similarity


class WordFacts(NamedTuple):
    """What the scorer needs to know about one word, looked up once per index."""

    weight: float
    known: bool
    distinctive: bool


def word_facts(index: NameIndex, token: str) -> WordFacts:
    """Identity weight (inverse document frequency, damped for generic words and place names) of the listed
    word the token stands for (itself, or the word it misspells), memoised."""
    facts = index.word_facts.get(token)
    if facts is None:
        spelt = index.spelling(token)  # once: the build asks this of every listed word
        weight = index.listed_weight(spelt)
        factor = GENERIC_FACTOR if spelt in GENERIC_WORDS else PLACE_FACTOR if spelt in PLACE_WORDS else 1.0
        facts = WordFacts(weight * factor, index.is_listed_word(spelt), is_distinctive_spelling(spelt, weight))
        index.word_facts[token] = facts
    return facts


@dataclass(frozen=True)
class SideAlignment:
    """How one name's words are covered by the other's."""

    matched: float
    total: float
    distinctive_matches: int
    all_matched: bool
    has_distinctive: bool
    #: The distinctive words that agree, as the other side spells them.
    evidence: tuple[str, ...] = ()
    #: (word, the other side's word it misspells) pairs.
    misspelt: tuple[tuple[str, str], ...] = ()
    #: The words with no partner on the other side.
    strays: tuple[str, ...] = ()


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


def resembling(token: str, token_raw: str, words: Sequence[str], raws: Sequence[str],
               rewritten: Sequence[int]) -> set[int]:
    """Positions of the listed words (``raws``: as written; ``rewritten``: the positions where the two differ) a
    query word resembles without being equal (word_pair_similarity > 0): the edit distances computed by rapidfuzz
    in one batch, only the close ones confirmed with :func:`token_similarity`. Equal words are the caller's."""
    found = set()
    if len(token) >= MIN_FUZZY_LENGTH:
        for word, _distance, at in process.extract(token, words, scorer=OSA.distance, score_cutoff=_MOST_EDITS, limit=None):
            if token_similarity(token, word) > 0:
                found.add(at)
    # As written: any listed word for a query word normalisation rewrote, else those it rewrote.
    compared = range(len(words)) if token_raw != token else rewritten
    for raw, _distance, at in process.extract(
        token_raw, [raws[at] for at in compared], scorer=OSA.distance, score_cutoff=_MOST_EDITS, limit=None
    ):
        if token_similarity(token_raw, raw) > 0:
            found.add(compared[at])
    return found


def compact_similarity(query: NormalizedName, name: NormalizedName) -> float:
    """Similarity of the names written without spaces, when they split words differently ("Hik Vision",
    "Hikvision") and differ by at most two letters."""
    if len(query.tokens) == len(name.tokens) or abs(len(query.compact) - len(name.compact)) > COMPACT_LENGTH_SLACK:
        return 0.0
    return Indel.normalized_similarity(query.compact, name.compact)


Partner = tuple[float, str]
NO_PARTNER: Partner = (0.0, "")


class Aligner:
    """Aligns one query with candidate names, both ways: each word's partner is its most similar word on
    the other side (the first one on a tie), and a word present verbatim there is its own partner.

    Which query words a listed word resembles does not depend on the name it sits in, so that is
    worked out once per query and listed word; most words resemble none.
    """

    def __init__(self, query: NormalizedName, index: NameIndex):
        self.query = query
        self.index = index
        self._words = list(zip(query.tokens, query.raw_tokens, strict=True))
        self._token_set = set(query.tokens)
        self._links: dict[tuple[str, str], tuple[tuple[int, float], ...]] = {}
        # token_similarity is 0 unless the words are equal or both long enough and close in length, so
        # a listed word need only meet these query words (and those whose written form differs).
        self._equal: dict[str, list[int]] = defaultdict(list)
        self._of_length: dict[int, list[int]] = defaultdict(list)
        self._rewritten: list[int] = []
        self._by_length: dict[int, list[int]] = {}
        # A query word the lists use is a name of its own (Micron is not Mikron), and so is an ordinary word
        # (Visa is not Vista); any other word may be a typo.
        self._unlisted = [
            not index.is_listed_word(token) and not is_dictionary_word(raw)
            for token, raw in zip(query.tokens, query.raw_tokens, strict=True)
        ]
        # An English word matches no listed word that merely extends it (extends_english_word).
        self._english = [is_dictionary_word(raw) for raw in query.raw_tokens]
        for position, (token, raw) in enumerate(self._words):
            self._equal[token].append(position)
            if len(token) >= MIN_FUZZY_LENGTH:
                self._of_length[len(token)].append(position)
            if raw != token:
                self._rewritten.append(position)
        # For partner_bound: each query word's own weight, and which words the lists never use (those
        # weigh what their partner weighs).
        self._facts = [word_facts(index, token) for token in query.tokens]
        self._unknown = sum(1 << position for position, facts in enumerate(self._facts) if not facts.known)
        self._everyone = (1 << len(self._facts)) - 1
        self._known_weight = sum(facts.weight for facts in self._facts)
        self._bound_words: dict[tuple[str, str], tuple[int, float, float]] = {}
        self._equal_bits = {token: sum(1 << position for position in positions) for token, positions in self._equal.items()}

    def learn_words(self, pairs: AbstractSet[tuple[str, str]]) -> None:
        """Work out, for the listed words (with their spellings as written) of the candidates about to be
        bounded, which query words each is equal to or resembles: a batch per query word, the edit distances
        computed by rapidfuzz and only the close ones confirmed with :func:`token_similarity`."""
        seen = self._bound_words
        new = list(pairs - seen.keys())
        if not new:
            return
        equal_bits = self._equal_bits
        partners = [equal_bits.get(word, 0) for word, _raw in new]
        words = [word for word, _raw in new]
        rewritten = [position for position, (word, raw) in enumerate(new) if raw != word]
        raws = [raw for _word, raw in new]
        for position, (token, token_raw) in enumerate(self._words):
            bit = 1 << position
            for at in resembling(token, token_raw, words, raws, rewritten):
                partners[at] |= bit
        facts_of = self.index.word_facts
        for pair, bits in zip(new, partners, strict=True):
            facts = facts_of.get(pair[0]) or word_facts(self.index, pair[0])
            seen[pair] = (bits, facts.weight if not bits or facts.known else 1.0, facts.weight)

    def partner_bound(self, words: tuple[tuple[str, str], ...]) -> tuple[float, bool]:
        """An upper bound of the alignment's word similarity with a candidate name (its words as
        ``NameIndex.word_pairs`` holds them, passed to :meth:`learn_words` first), and whether every query
        word has a partner in it (only then can all be matched), without aligning.

        In the alignment a word without a partner (no equal or resembling word on the other side) counts its
        weight and nothing matched; here a word with one counts as matched in full, at the most it could
        weigh (a word the lists never use borrows a partner's weight: the heaviest it could borrow, or 1).
        The ratio matched / total only grows with that, so it bounds the alignment's from above.
        """
        seen = self._bound_words
        unknown = self._unknown
        matched = unmatched = 0.0
        partnered = 0
        borrowed: dict[int, float] = {}
        for pair in words:
            partners, weight, own_weight = seen[pair]
            if not partners:
                unmatched += weight
                continue
            matched += weight
            partnered |= partners
            if partners & unknown:
                for position in _positions(partners & unknown):
                    borrowed[position] = max(borrowed.get(position, 0.0), own_weight)
        if partnered == self._everyone and not borrowed:
            matched += self._known_weight
        else:
            for position, facts_of_word in enumerate(self._facts):
                if not partnered >> position & 1:
                    unmatched += facts_of_word.weight
                else:
                    matched += facts_of_word.weight if facts_of_word.known else borrowed[position]
        total = matched + unmatched
        return (matched / total if total else 0.0), partnered == self._everyone

    def align(self, name: NormalizedName) -> Alignment:
        """Both directions of the comparison of the query with one candidate name."""
        tokens = self.query.tokens
        name_set = set(name.tokens)
        query_best = [(1.0, token) if token in name_set else NO_PARTNER for token in tokens]
        open_words = [token not in name_set for token in tokens]
        name_best: list[Partner] = []
        for word, raw in zip(name.tokens, name.raw_tokens, strict=True):
            links = self._links.get((word, raw))
            if links is None:
                links = self._links[(word, raw)] = self._resemblances(word, raw)
            best = (1.0, word) if word in self._token_set else NO_PARTNER
            for position, similarity in links:
                if similarity > best[0]:
                    best = (similarity, tokens[position])
                if open_words[position] and similarity > query_best[position][0]:
                    query_best[position] = (similarity, word)
            name_best.append(best)
        return Alignment(
            _side(tokens, query_best, self.index),
            _side(name.tokens, name_best, self.index),
            compact_similarity(self.query, name),
        )

    def _resemblances(self, word: str, raw: str) -> tuple[tuple[int, float], ...]:
        """(position, similarity) of each query word the listed word resembles at all, in query order."""
        links = []
        for position in self._worth_comparing(word, raw):
            # word_pair_similarity, inlined: this runs for every word pair of every candidate, and the
            # call alone cost 4% of screening throughput.
            token, token_raw = self._words[position]
            similarity = token_similarity(token, word)
            if token_raw != token or raw != word:
                similarity = max(similarity, token_similarity(token_raw, raw))
            if 0 < similarity < MISSPELT_WORD and self._unlisted[position]:
                similarity = max(similarity, self._as_misspelling(token, token_raw, word, raw))
            if similarity > 0 and not (self._english[position] and token != word and extends_english_word(token_raw, raw)):
                links.append((position, similarity))
        return tuple(links)

    @staticmethod
    def _as_misspelling(token: str, token_raw: str, word: str, raw: str) -> float:
        """The similarity of a word the lists never use with the listed word it misspells, as normalised or as
        written ("Sihping" misspells "Shipping", which normalises to "ship")."""
        if is_misspelling(token, word):
            return misspelt_word_similarity(token, word)
        if raw != word and is_misspelling(token_raw, raw):
            return misspelt_word_similarity(token_raw, raw)
        return 0.0

    def _worth_comparing(self, word: str, raw: str) -> Sequence[int]:
        if raw != word:
            return range(len(self._words))
        equal = self._equal.get(word)
        by_length = self._by_length.get(len(word))
        if by_length is None:
            by_length = self._by_length[len(word)] = self._near_in_length(len(word))
        return sorted({*equal, *by_length}) if equal else by_length


    def _near_in_length(self, length: int) -> list[int]:
        positions = set(self._rewritten)
        if length >= MIN_FUZZY_LENGTH:
            for near in range(length - MAX_LENGTH_GAP, length + MAX_LENGTH_GAP + 1):
                positions.update(self._of_length.get(near, ()))
        return sorted(positions)


def _positions(bits: int) -> list[int]:
    """The positions of the set bits, lowest first."""
    positions = []
    while bits:
        lowest = bits & -bits
        positions.append(lowest.bit_length() - 1)
        bits ^= lowest
    return positions


def _side(tokens: tuple[str, ...], partners: list[Partner], index: NameIndex) -> SideAlignment:
    matched = total = 0.0
    evidence: list[str] = []
    misspelt: list[tuple[str, str]] = []
    strays: list[str] = []
    has_distinctive = False
    known = index.word_facts
    for token, (similarity, partner) in zip(tokens, partners, strict=True):
        facts = known.get(token) or word_facts(index, token)
        partner_facts = (known.get(partner) or word_facts(index, partner)) if similarity else facts
        # A word the lists never use (a typo) weighs what the listed word it stands for weighs.
        weight = partner_facts.weight if not facts.known else facts.weight
        total += weight
        matched += weight * similarity
        # A misspelt word is the listed word it misspells: "Huawai" is evidence for "Huawei".
        spelt = similarity < 1.0 and similarity > 0 and is_misspelling(token, partner)
        if spelt:
            misspelt.append((token, partner))
        if similarity >= TOKEN_MATCH or spelt:
            if partner_facts.distinctive:
                evidence.append(partner)
        else:
            strays.append(token)
        has_distinctive = has_distinctive or facts.distinctive
    return SideAlignment(
        matched, total, len(evidence), not strays, has_distinctive, tuple(evidence), tuple(misspelt), tuple(strays)
    )


def word_similarity_bound(query: NormalizedName, variant_id: int, index: NameIndex) -> float:
    """An upper bound of the word similarity of the query with an indexed name, from which words resemble
    at all; the resemblances are remembered across queries, so a customer file sharing words is cheap.

    A word with no partner counts its weight in full and nothing matched, as in the alignment; a word with
    one counts at most its weight (or, unseen in the lists, the heaviest weight it could borrow), matched
    in full. The bound is that ratio, which only grows with what is counted as matched.
    """
    name = index.variants[variant_id].normalized
    facts = [word_facts(index, word) for word in name.tokens]
    partnered: set[int] = set()
    matched = unmatched = 0.0
    for token, raw in zip(query.tokens, query.raw_tokens, strict=True):
        positions = _resembled(index, token, raw, variant_id)
        own = word_facts(index, token)
        if not positions:
            unmatched += own.weight
            continue
        partnered.update(positions)
        matched += own.weight if own.known else max(facts[position].weight for position in positions)
    for position, word in enumerate(facts):
        if position not in partnered:
            unmatched += word.weight
        else:
            matched += word.weight if word.known else 1.0
    total = matched + unmatched
    return matched / total if total else 0.0


def every_word_resembles(query: NormalizedName, variant_id: int, index: NameIndex) -> bool:
    """True when each query word resembles some word of the indexed name: only then can all be matched."""
    return all(
        _resembled(index, token, raw, variant_id) for token, raw in zip(query.tokens, query.raw_tokens, strict=True)
    )


class WordReach(NamedTuple):
    """What one query word (as normalised and as written) can reach in a small index (a delta re-screen's changed
    entries), worked out once per word against every name: a customer is then tested by a few lookups."""

    #: NameIndex.may_reach: a query none of whose words may reach, reaches no name.
    may_reach: bool
    #: What the next query word would have to be for the two joined up to spell an indexed word or compact name.
    joins: frozenset[str]
    #: The word is distinctive (retrieves names on its own, unless it is common).
    distinctive: bool
    #: The listed word it stands for is a word of an indexed name.
    stands_for_indexed: bool
    #: (number of words, the lengths of their compact forms as a bit mask) of the names it retrieves.
    shapes: tuple[tuple[int, int], ...]
    #: The word's weight, which it counts unmatched in the word-similarity bound.
    weight: float
    #: Variant id -> (the most the word and the name's words it resembles can count matched in
    #: :func:`word_similarity_bound`; the weight they take out of the unmatched; the name's whole weight), for
    #: every name it resembles.
    names: Mapping[int, tuple[float, float, float]]


def remembered_reach(index: NameIndex, token: str, raw: str) -> WordReach:
    """:class:`WordReach` of a query word, from the index's memo when it holds it."""
    return index.word_reaches.get((token, raw)) or word_reach(index, token, raw)


def word_reach(index: NameIndex, token: str, raw: str) -> WordReach:
    """:class:`WordReach` of a query word, remembered per index."""
    sites = index.word_sites()
    return _remembered(index, (token, raw),
                       _reach_of(index, token, raw, resembling(token, raw, sites.words, sites.raws, sites.rewritten)))


def word_reaches(index: NameIndex, pairs: Sequence[tuple[str, str]]) -> list[WordReach]:
    """:class:`WordReach` of many query words (as normalised, as written), each exactly what :func:`word_reach`
    gives, remembered likewise: the edit distances of all the words not yet remembered to every indexed word are
    computed by rapidfuzz at once, so each word is confirmed against only the indexed words it may resemble, and a
    word two edits or more from every indexed word is known to have no neighbour in the index without a search.

    A delta re-screen meets a new small index with every distinct word of the customer file: one by one, those
    first meetings were a fifth of its time."""
    memo = index.word_reaches
    distinct = list(dict.fromkeys(pairs))
    reaches = {pair: memo[pair] for pair in distinct if pair in memo}
    missing = [pair for pair in distinct if pair not in reaches]
    sites = index.word_sites()
    block = max(1, _DISTANCE_CELLS // max(1, len(sites.words)))
    for start in range(0, len(missing), block):
        batch = missing[start : start + block]
        resembled, far = _resembled_many(batch, sites.words, sites.raws, sites.rewritten)
        index.learn_far_words(far)
        far_words = set(far)
        for pair, found in zip(batch, resembled, strict=True):
            token = pair[0]
            untouched = not found and token in far_words and not index.begins_or_joins(token)
            reach = _reach_of_untouched(index, token) if untouched else _reach_of(index, *pair, found)
            reaches[pair] = _remembered(index, pair, reach)
    return [reaches[pair] for pair in pairs]


def _reach_of_untouched(index: NameIndex, token: str) -> WordReach:
    """:func:`_reach_of` of a word that resembles no indexed word (as normalised or as written), is more than two
    edits from every one, and neither begins one nor spells two joined up (most of a customer file's words, against
    a list change): it retrieves no name (its neighbours are within two edits), stands for none (so is what it stands
    for), joins none and resembles none, so it reaches none; only its weight and whether it is distinctive, the
    whole list's, count."""
    facts = word_facts(index.vocabulary, token)
    return WordReach(False, frozenset(), facts.distinctive, False, (), facts.weight, {})


def _remembered(index: NameIndex, pair: tuple[str, str], reach: WordReach) -> WordReach:
    """The reach, kept in the index's memo (emptied when full)."""
    if len(index.word_reaches) >= _WORD_REACH_MEMO_SIZE:
        index.word_reaches.clear()
    index.word_reaches[pair] = reach
    return reach


def _reach_of(index: NameIndex, token: str, raw: str, resembled: set[int]) -> WordReach:
    """:class:`WordReach` of a query word, given the positions of the indexed words it resembles (:func:`resembling`)."""
    return WordReach(
        index.may_reach(token), index.continuations(token), index.is_distinctive(token),
        index.indexes_word(index.spelling(token)), index.retrieved_shapes(token), word_facts(index, token).weight,
        _resembled_names(index, token, resembled))


def _resembled_many(pairs: Sequence[tuple[str, str]], words: Sequence[str], raws: Sequence[str],
                    rewritten: Sequence[int]) -> tuple[list[set[int]], list[str]]:
    """What :func:`resembling` gives for each query word (as normalised, as written), and the words (as normalised)
    more than two edits from every listed word: one matrix of edit distances (cut at _MOST_EDITS) each way, and
    :func:`token_similarity` asked only of the pairs :func:`_may_resemble` keeps."""
    tokens = [token for token, _raw in pairs]
    written = [raw for _token, raw in pairs]
    if not words:
        return [set() for _pair in pairs], tokens
    by_token = _distances(tokens, words)
    # resembling compares a word of MIN_FUZZY_LENGTH letters or more as normalised; the equal ones are the caller's.
    long_enough = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens)) >= MIN_FUZZY_LENGTH
    found: list[set[int]] = [set() for _pair in pairs]
    rows, columns = _may_resemble(by_token, tokens, words)
    kept = long_enough[rows]
    _confirmed(found, tokens, words, rows[kept], columns[kept])
    # As written, a query word normalisation rewrote meets every listed word, the others only those it rewrote
    # (few: most words are written as they are normalised).
    rewrote = [row for row, (token, raw) in enumerate(pairs) if raw != token]
    kept_as_is = [row for row, (token, raw) in enumerate(pairs) if raw == token]
    for asked, listed in ((rewrote, range(len(raws))), (kept_as_is, rewritten)):
        _compared_as_written(found, [written[row] for row in asked], [raws[at] for at in listed], asked, listed)
    far = [tokens[row] for row in np.flatnonzero(by_token.min(axis=1) > 2)]
    return found, far


def _compared_as_written(found: list[set[int]], queries: list[str], listed: list[str], rows: Sequence[int],
                         columns: Sequence[int]) -> None:
    """:func:`_confirmed` for these query words against these listed words (as written), whose positions among all
    of them are ``rows`` and ``columns``."""
    if not queries or not listed:
        return
    close_rows, close_columns = _may_resemble(_distances(queries, listed), queries, listed)
    found_here: list[set[int]] = [set() for _query in queries]
    _confirmed(found_here, queries, listed, close_rows, close_columns)
    for row, positions in zip(rows, found_here, strict=True):
        found[row].update(columns[position] for position in positions)


def _confirmed(found: list[set[int]], queries: Sequence[str], listed: Sequence[str], rows: npt.NDArray[np.intp],
               columns: npt.NDArray[np.intp]) -> None:
    """Adds to ``found[row]`` each listed word (its position) that :func:`token_similarity` confirms for the query
    word in ``row``, of the (row, column) pairs given."""
    for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
        if token_similarity(queries[row], listed[column]) > 0:
            found[row].add(column)


def _distances(queries: Sequence[str], listed: Sequence[str]) -> npt.NDArray[np.int8]:
    """Optimal-string-alignment distances of every query word to every listed word, _MOST_EDITS + 1 for farther."""
    distances: npt.NDArray[np.int8] = process.cdist(queries, listed, scorer=OSA.distance, score_cutoff=_MOST_EDITS,
                                                    dtype=np.int8)
    return distances


def _may_resemble(distances: npt.NDArray[np.int8], queries: Sequence[str],
                  listed: Sequence[str]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The (query, listed word) pairs where :func:`token_similarity` may be above 0, as rows and columns: equal
    words, or words both of MIN_FUZZY_LENGTH letters or more, at most MAX_LENGTH_GAP apart in length and
    _MOST_EDITS in edits (a superset of it, to confirm). The pairs within _MOST_EDITS are few: the lengths are
    compared for those only, not over the whole matrix."""
    rows, columns = np.nonzero(distances <= _MOST_EDITS)
    query_lengths = np.fromiter(map(len, queries), dtype=np.int64, count=len(queries))[rows]
    listed_lengths = np.fromiter(map(len, listed), dtype=np.int64, count=len(listed))[columns]
    close = (((np.minimum(query_lengths, listed_lengths) >= MIN_FUZZY_LENGTH)
              & (np.abs(query_lengths - listed_lengths) <= MAX_LENGTH_GAP)) | (distances[rows, columns] == 0))
    return rows[close], columns[close]


def _resembled_names(index: NameIndex, token: str, resembled: set[int]) -> dict[int, tuple[float, float, float]]:
    """WordReach.names, counted as word_similarity_bound counts the word and the names' words it resembles
    (``resembled``: their positions among the index's word sites, the equal ones aside): the word matched at its
    own weight (unseen in the lists: its heaviest partner's), a name word at its weight (unseen: 1)."""
    sites = index.word_sites()
    equal = sites.positions.get(token)
    if not resembled and not equal:
        return {}
    resembled = resembled | set(equal or ())
    own = word_facts(index, token)
    # Per name: weight matched, weight taken out of the unmatched, heaviest partner.
    found: dict[int, list[float]] = {}
    for place in resembled:
        facts = word_facts(index, sites.words[place])
        for variant_id, _position in sites.sites[place]:
            counted = found.setdefault(variant_id, [0.0, 0.0, 0.0])
            counted[0] += facts.weight if facts.known else 1.0
            counted[1] += facts.weight
            counted[2] = max(counted[2], facts.weight)
    return {
        variant_id: ((own.weight if own.known else heaviest) + matched, own.weight + taken,
                     sum(word_facts(index, word).weight for word in index.variants[variant_id].normalized.tokens))
        for variant_id, (matched, taken, heaviest) in found.items()
    }


def word_bound_may_reach(resembling: Sequence[Mapping[int, tuple[float, float, float]]], query_weight: float,
                         query_words: int, needed: float, needed_contained: float) -> bool:
    """False when no indexed name's :func:`word_similarity_bound` reaches ``needed`` (``needed_contained``, lower,
    for a name every word of a query of two or more resembles) for a query of ``query_words`` words weighing
    ``query_weight``, whose words resemble names as ``resembling`` tells (the :attr:`WordReach.names` of the
    words that resemble any), without retrieving a name.

    A ratio matched / (matched + unmatched) reaches ``needed`` exactly when (1 - needed) matched - needed
    unmatched >= 0, a sum over words. Per name, the query words' reaches add up the most the matched could be (a
    name word two query words resemble is counted twice) and the least the unmatched could be (the query's and
    the name's weight less what they take out), so the sum is never below the bound's (for 0 < needed <= 1);
    a name no query word resembles has a bound of 0. The thresholds are the caller's, less a slack for sums
    added in another order.
    """
    if min(needed, needed_contained) <= 0:
        return True
    if not resembling:
        return False
    sums: dict[int, tuple[float, float, float, int]] = {}
    for names in resembling:
        for variant_id, (matched, taken, name_weight) in names.items():
            before = sums.get(variant_id)
            sums[variant_id] = (matched, taken, name_weight, 1) if before is None else (
                before[0] + matched, before[1] + taken, name_weight, before[3] + 1)
    contained = query_words >= 2 and len(resembling) == query_words
    plain, lower = min(1.0, needed), min(1.0, needed_contained)
    for matched, taken, name_weight, words in sums.values():
        at_least = lower if contained and words == query_words else plain
        if ratio_reaches(matched, query_weight + name_weight - taken, at_least):
            return True
    return False


def ratio_reaches(matched: Any, unmatched: Any, at_least: float, slack: float = 0.0) -> Any:
    """Whether matched / (matched + unmatched) reaches ``at_least`` (counts or arrays of them; ``slack`` admits
    a sum added in another order up to rounding): the test of :func:`word_bound_may_reach`, one name at a time
    or over columns (reach_columns)."""
    return (1 - at_least) * matched + slack >= at_least * unmatched


def _resembled(index: NameIndex, token: str, raw: str, variant_id: int) -> tuple[int, ...]:
    """The positions of the indexed name's words the query word resembles (word_pair_similarity above 0)."""
    reach = index.word_reaches.get((token, raw))
    # A word's reach, where remembered, names every name it resembles a word of (what resembling finds, and the
    # equal words): most (word, name) pairs a bound asks about are told apart without comparing a word.
    if reach is not None and variant_id not in reach.names:
        return ()
    key = (token, raw, variant_id)
    positions = index.resembled.get(key)
    if positions is None:
        if len(index.resembled) >= _RESEMBLED_MEMO_SIZE:
            index.resembled.clear()
        name = index.variants[variant_id].normalized
        positions = index.resembled[key] = tuple(
            position
            for position, pair in enumerate(zip(name.tokens, name.raw_tokens, strict=True))
            if word_pair_similarity(token, raw, *pair) > 0
        )
    return positions
