"""Candidate retrieval: an inverted index over the normalised tokens of every name and alias.

A query never scans every name. Its tokens are looked up exactly, through a one-edit deletion
neighbourhood (so a typo still finds the word), and as joined neighbours (so "Hua Wei" finds
"Huawei"). Token weights are inverse document frequencies: rare words decide, common ones don't.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress, islice, pairwise
from typing import TYPE_CHECKING, NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

from exportguard.lists.model import Party
from exportguard.matching.normalize import NormalizedName, normalize
from exportguard.matching.vocabulary import GENERIC_WORDS

if TYPE_CHECKING:
    from exportguard.matching.alignment import WordFacts, WordReach

_PARENTHETICAL = re.compile(r"\(([^()]{2,60})\)")
_AFFILIATE = re.compile(r"\.?\s*Affiliated Entity:\s*", re.IGNORECASE)
#: A token in more than this share of names is too common to retrieve candidates by.
_MAX_POSTING_SHARE = 0.02
#: Words shorter than this are matched only exactly, in retrieval and in scoring.
MIN_FUZZY_LENGTH = 4
#: Words this long (or two letters shorter, against listed words this long) are also retrieved two edits
#: away, when nothing is one edit away.
TWO_EDIT_LENGTH = 8
#: Customer files repeat their words, so neighbours are remembered; the memo is emptied when full.
_SIMILAR_MEMO_SIZE = 200_000
#: Variant ids the memo of what each query word retrieves may hold (about 40 MB) before it is emptied.
_FOUND_MEMO_IDS = 1_000_000
#: A word (as the lists spell it) this rare or rarer, and not generic, can make a hit on its own.
DISTINCTIVE_WEIGHT = 0.3
#: Weight of a word no list name contains: telling, but often a typo of a common word.
UNSEEN_WEIGHT = 0.7
#: A listed word this many times rarer than a word one edit away is read as a misspelling of it
#: (the lists themselves spell "Tehnology" once, "Technology" hundreds of times).
MISSPELLING_RARITY = 10


@dataclass(frozen=True)
class NameVariant:
    """One indexed spelling of a party: its primary name, an alias, or a part of either."""

    party_index: int
    name: str
    kind: str
    normalized: NormalizedName

    @property
    def is_alias(self) -> bool:
        return self.kind != PRIMARY


PRIMARY = "primary name"
ALIAS = "alias"
SHORT_NAME = "short name in brackets"
AFFILIATE = "affiliated entity name"
PARENT = "parent named in an affiliate entry"
NATIVE = "native-script name (gazetteer)"


@dataclass(frozen=True)
class WordSites:
    """The distinct words of the indexed names, each with its spelling as written, and where each sits: what a
    query word is compared with once for every name at a time (alignment.word_reach)."""

    words: list[str]
    raws: list[str]
    #: Positions (in ``words``) of the words whose spelling as written differs.
    rewritten: list[int]
    #: Per word: (variant id, position in the name) of each of its occurrences.
    sites: list[list[tuple[int, int]]]
    #: Word -> its positions in ``words`` (one per spelling as written).
    positions: dict[str, list[int]]


def name_variants(party: Party) -> list[tuple[str, str]]:
    """Every spelling to index for a party, with its kind: name, aliases, bracketed short names, affiliates."""
    return list(_variants_of(party.all_names))


@lru_cache(maxsize=1 << 17)
def _variants_of(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Remembered: the gazetteer lookup and the index both ask for every party's spellings."""
    variants: dict[str, str] = {}
    for position, name in enumerate(names):
        for spelling, kind in _spellings(name, PRIMARY if position == 0 else ALIAS):
            variants.setdefault(spelling, kind)
    return tuple(variants.items())


@lru_cache(maxsize=1 << 17)
def _spellings(name: str, kind: str) -> tuple[tuple[str, str], ...]:
    """Remembered: parties share names (an alias on many rows)."""
    if "(" not in name and ":" not in name:
        # Neither a bracketed short name nor an affiliate clause (whose marker ends in a colon).
        return ((" ".join(name.split()), kind),) if name.strip() else ()
    spellings = [(name, kind)]
    parts = _AFFILIATE.split(name)
    if len(parts) == 2:
        spellings += [(parts[1], AFFILIATE if kind == PRIMARY else kind), (parts[0], PARENT)]
    for part, part_kind in list(spellings):
        short_names = _PARENTHETICAL.findall(part)
        spellings += [(short, SHORT_NAME) for short in short_names]
        if short_names:
            spellings.append((_PARENTHETICAL.sub(" ", part), part_kind))
    return tuple((" ".join(text.split()), text_kind) for text, text_kind in spellings if text.strip())


def deletions(token: str) -> set[str]:
    """All strings one character shorter than the token."""
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


class Retrieved(NamedTuple):
    """What a query reaches, and for ranking it the variants each of its words is found in (found one way, then
    the common words), with the word's weight, and the query's number of different words."""

    reached: set[int]
    shares: list[tuple[AbstractSet[int], float]]
    common: list[tuple[AbstractSet[int], float]]
    size: int


class NameIndex:
    """Inverted index from tokens (exact, one-edit, joined pairs) to name variants.

    ``statistics_of`` indexes a part of a larger list as that list: word rarities and which words are
    too common to retrieve by are taken from the larger list's index.
    """

    #: Listed words no other listed word is one edit from, while the vocabulary is learnt (:meth:`learning`);
    #: empty otherwise (a class attribute: the index itself holds nothing more for it).
    _alone: AbstractSet[str] = frozenset()

    def __init__(
        self,
        parties: Iterable[Party],
        native_names: Mapping[str, Sequence[str]] | None = None,
        statistics_of: NameIndex | None = None,
    ):
        self.variants: list[NameVariant] = []
        #: The words of each party's whole primary name, by party index (for ranking equal scores).
        self.primary_words: dict[int, frozenset[str]] = {}
        native_names = native_names or {}
        for index, party in enumerate(parties):
            spellings = name_variants(party)
            natives = native_names.get(party.key)
            if natives:
                spellings += [(native, NATIVE) for native in natives]
            for name, kind in spellings:
                normalized = normalize(name)
                if name == party.name:
                    self.primary_words[index] = frozenset(normalized.tokens)
                if normalized.tokens:
                    self.variants.append(NameVariant(index, name, kind, normalized))
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._joined: dict[str, list[int]] = defaultdict(list)
        self._compact: dict[str, list[int]] = defaultdict(list)
        #: How many different words each variant has (candidates closer in length rank first on a tie).
        self._token_set_sizes: list[int] = []
        #: Memo of alignment.word_facts, which the scorer asks for on every comparison.
        self.word_facts: dict[str, WordFacts] = {}
        self._similar: dict[str, tuple[str, ...]] = {}
        self._retrieved: dict[str, tuple[bool, frozenset[int]]] = {}
        self._reach: dict[str, bool] = {}
        #: Every beginning of an indexed word or compact name, built on the first :meth:`may_reach`.
        self._word_starts: frozenset[str] | None = None
        #: The indexed words and compact names in order, built on the first :meth:`continuations`.
        self._sorted_keys: list[str] | None = None
        #: Memo of which words of an indexed name a query word resembles (alignment.word_similarity_bound).
        self.resembled: dict[tuple[str, str, int], tuple[int, ...]] = {}
        #: Memo of what a query word (as normalised, as written) can add to each name's word-similarity bound
        #: (alignment.word_reach), and the distinct words it is worked out against, built on first use.
        self.word_reaches: dict[tuple[str, str], WordReach] = {}
        self._word_sites: WordSites | None = None
        #: Per variant, how many words it has and how long they are joined up (for compact_similarity).
        self.compact_shapes: list[tuple[int, int]] = []
        #: Each variant's words with their spellings as written, the pairs shared between variants.
        self.word_pairs: list[tuple[tuple[str, str], ...]] = []
        self._index_words()
        self._by_deletion = _deletion_map(self._postings)
        #: Long listed words by first and last letter and length, for two-edit retrieval (built here, so no
        #: query pays for it).
        self._by_end = _end_map(self._postings)
        self._common_sets: dict[str, IdSet] = {}
        self._found: dict[str, IdSet] = {}
        self._found_held = 0
        self._spellings: dict[str, str] = {}
        #: Whose vocabulary decides what a misspelt word stands for: the larger list's, for a part of it.
        self._vocabulary = statistics_of or self
        if statistics_of is None:
            # Each variant is posted once under each of its words: a posting list's length is the word's frequency.
            document_frequency = Counter({token: len(ids) for token, ids in self._postings.items()})
            self._frequency: Mapping[str, int] = document_frequency
            self._weights = _idf_weights(document_frequency, len(self.variants))
            self._max_postings = max(50, int(_MAX_POSTING_SHARE * len(self.variants)))
        else:
            self._frequency = statistics_of._frequency
            self._weights = statistics_of._weights
            self._max_postings = statistics_of._max_postings

    def _index_words(self) -> None:
        """Post every variant under its words, its joined neighbouring words and its compact form, and note its
        word pairs and shape: one pass, with the per-variant work inlined (the build's hot loop)."""
        postings, joined, compact_names = self._postings, self._joined, self._compact
        sizes, shapes, word_pairs = self._token_set_sizes, self.compact_shapes, self.word_pairs
        pairs: dict[tuple[str, str], tuple[str, str]] = {}
        shared = pairs.setdefault
        for variant_id, variant in enumerate(self.variants):
            tokens = variant.normalized.tokens
            written = list(zip(tokens, variant.normalized.raw_tokens, strict=True))
            word_pairs.append(tuple(map(shared, written, written)))
            distinct = frozenset(tokens)
            sizes.append(len(distinct))
            for token in distinct:
                postings[token].append(variant_id)
            for first, second in pairwise(tokens):
                joined[first + second].append(variant_id)
            compact = "".join(tokens)
            compact_names[compact].append(variant_id)
            shapes.append((len(tokens), len(compact)))

    @contextmanager
    def learning(self) -> Iterator[None]:
        """While the block learns the vocabulary (asks for every listed word's spelling), the listed words that no
        other listed word is one edit from (half of those long enough to have a misspelling) are known from the
        deletion map at once, rather than each searched deletion by deletion (:meth:`_one_edit_neighbours`)."""
        self._alone = self._listed_words_alone()
        try:
            yield
        finally:
            del self._alone

    def _listed_words_alone(self) -> AbstractSet[str]:
        """The listed words that share no deletion with another listed word, are not a deletion of one (a key of the
        deletion map), and have no deletion that is one: their one-edit neighbourhood is themselves."""
        postings, by_deletion = self._postings, self._by_deletion
        listed_deletions = postings.keys() & by_deletion.keys()
        # C-level passes over the 228,000 groups of the deletion map (a Python loop over them costs what it saves).
        shared = compress(by_deletion.values(), map((1).__lt__, map(len, by_deletion.values())))
        crowded = listed_deletions.union(*shared, *map(by_deletion.__getitem__, listed_deletions))
        return postings.keys() - crowded

    def spelling(self, token: str) -> str:
        """The listed word a token stands for: itself when the lists use it, else the most common listed
        word one edit away (of 4+ letters), if any. A rare listed word of 7+ letters one edit from a generic
        word the lists use far more often stands for that word ("tehnology" -> "technology")."""
        spelt = self._spellings.get(token)
        if spelt is None:
            if len(self._spellings) >= _SIMILAR_MEMO_SIZE:
                self._spellings.clear()
            vocabulary = self._vocabulary
            # A part asks the whole list's memo: what a word stands for is the whole list's answer.
            spelt = self._spellings[token] = (self._likeliest_spelling(token) if vocabulary is self
                                              else vocabulary.spelling(token))
        return spelt

    def _likeliest_spelling(self, token: str) -> str:
        frequency = self._frequency
        own = frequency.get(token, 0)
        if own and (len(token) < 7 or token in GENERIC_WORDS):
            return token
        neighbours = [word for word in self.similar_tokens(token) if word != token]
        if not neighbours:
            return token
        likeliest = max(neighbours, key=lambda word: (frequency.get(word, 0), word))
        if own == 0:
            return likeliest
        if len(token) >= 7 and likeliest in GENERIC_WORDS and frequency[likeliest] >= MISSPELLING_RARITY * own:
            return likeliest
        return token

    def weight(self, token: str) -> float:
        """How much a token says about identity, 0..1: the rarity of the listed word it stands for
        (unseen words, and no listed word within one edit, count as fairly rare)."""
        return self.listed_weight(self.spelling(token))

    def listed_weight(self, spelt: str) -> float:
        """The rarity of a word as the lists spell it (:meth:`spelling`'s answer); UNSEEN_WEIGHT if they never do."""
        return self._weights.get(spelt, UNSEEN_WEIGHT)

    def listed_words(self) -> Iterable[str]:
        """Every word of the indexed names."""
        return self._postings.keys()

    def is_listed_word(self, token: str) -> bool:
        """True when some name of the list (the larger list, for a part of it) uses exactly this word."""
        return token in self._weights

    def is_known(self, token: str) -> bool:
        """True when some indexed name contains the token, or the listed word it is a misspelling of."""
        return self.spelling(token) in self._weights

    def is_distinctive(self, token: str) -> bool:
        """A token that can make a hit on its own: not generic, not very common (as the word it stands for)."""
        spelt = self.spelling(token)
        return is_distinctive_spelling(spelt, self.listed_weight(spelt))

    def _is_common(self, token: str) -> bool:
        """In so many names that retrieving by it would fetch a good part of the list."""
        return self._frequency.get(self.spelling(token), 0) > self._max_postings

    def candidates(self, query: NormalizedName, limit: int, among: AbstractSet[int] | None = None) -> list[int]:
        """Variant ids sharing a distinctive word with the query (exactly, within one edit, or joined up),
        ranked by the weight of the words they share, then by closeness in length; names of only
        common words need them all.

        ``among``: only the candidates in that set, in the same order. The ranking's cut is looked for only
        when more than ``limit`` variants are reached, and the reached variants are sorted one by one only
        when the cut falls on the weight one of those shares (:meth:`_ranked_among`)."""
        retrieved = self._retrieved_for(query)
        if among is None:
            return self._ranked(retrieved, limit)
        return self._ranked_among(retrieved, limit, among)

    def _retrieved_for(self, query: NormalizedName) -> Retrieved:
        """The variants a query reaches, and for ranking them the variants each of its words is found in (one way,
        then the common words), with the word's weight."""
        shares: list[tuple[AbstractSet[int], float]] = []
        reached: set[int] = set()
        common: list[tuple[AbstractSet[int], float]] = []
        for token in set(query.tokens):
            weight = self.weight(token)
            if self._is_common(token):
                common.append((self._common_postings(self.spelling(token)).keys(), weight))
                continue
            found = self._found_by(token)
            shares.append((found.keys(), weight))
            if self.is_distinctive(token):
                reached.update(found)
        reached.update(self._joined_up(query))
        if not any(self.is_distinctive(token) for token in query.tokens):
            reached.update(self._containing_all(query.tokens))
        return Retrieved(reached, shares, common, len(set(query.tokens)))

    def _ranked(self, retrieved: Retrieved, limit: int) -> list[int]:
        """The ``limit`` first of the reached variants by the weight of the query words they share (the words
        they share one way, then the common words they contain), then closeness in length, then id.

        The variants fall into a few groups sharing the same words, so the weights are added once per group
        (in the order each variant's would be) and only the groups that make the cut are sorted variant by
        variant.
        """
        keyed = _keyed_groups(*retrieved[:3])
        size = retrieved.size
        taken: list[tuple[float, int, int]] = []
        lengths = self._token_set_sizes
        for position, (key, group) in enumerate(keyed):
            if len(taken) >= limit and key != keyed[position - 1][0]:
                break
            if len(taken) + len(group) > limit:
                # The weight where the cut falls: of every variant sharing it (before, in and after this group),
                # only the closest in length fill the places left, so a large group is not sorted whole.
                tied = set(group).union(*(later for weight, later in keyed[position + 1 :] if weight == key))
                tied.update(variant_id for weight, _distance, variant_id in taken if weight == key)
                taken = [entry for entry in taken if entry[0] != key]
                taken += ((key, distance, variant_id)
                          for distance, variant_id in self._closest_in_length(tied, size, limit - len(taken)))
                break
            taken += ((key, abs(lengths[variant_id] - size), variant_id) for variant_id in group)
        taken.sort()
        return [variant_id for *_, variant_id in taken[:limit]]

    def _ranked_among(self, retrieved: Retrieved, limit: int, among: AbstractSet[int]) -> list[int]:
        """What :meth:`_ranked` gives of the variants in ``among``, in its order. Every reached variant makes the
        cut when there are ``limit`` or fewer; otherwise those sharing more weight than the variant where the
        cut falls make it and those sharing less do not, and only a variant of ``among`` sharing that very weight
        (ranked by closeness in length among its equals) needs the whole ranking."""
        reached, shares, common, size = retrieved
        wanted = reached & among
        if not wanted:
            return []
        if len(reached) > limit:
            keyed = _keyed_groups(reached, shares, common)
            cut = _cut_weight(keyed, limit)
            keys = {variant_id: key for key, group in keyed for variant_id in group & wanted}
            if cut in keys.values():
                return [variant_id for variant_id in self._ranked(retrieved, limit)
                        if variant_id in among]
        else:
            members = [found for found, _weight in (*shares, *common)]
            keys = {variant_id: _shared_weight(tuple([variant_id in found for found in members]), shares, common)
                    for variant_id in wanted}
            cut = math.inf
        lengths = self._token_set_sizes
        return [variant_id for *_, variant_id in
                sorted((key, abs(lengths[variant_id] - size), variant_id) for variant_id, key in keys.items() if key < cut)]

    def _closest_in_length(self, variant_ids: set[int], size: int, wanted: int) -> list[tuple[int, int]]:
        """The ``wanted`` variants whose number of different words is closest to ``size``, then lowest id, with
        that distance, in that order."""
        lengths = self._token_set_sizes
        by_distance: dict[int, list[int]] = defaultdict(list)
        for variant_id in variant_ids:
            by_distance[abs(lengths[variant_id] - size)].append(variant_id)
        closest: list[tuple[int, int]] = []
        for distance in sorted(by_distance):
            closest += ((distance, variant_id) for variant_id in sorted(by_distance[distance]))
            if len(closest) >= wanted:
                break
        return closest[:wanted]

    def _found_by(self, token: str) -> IdSet:
        """:meth:`_matching_variants`, remembered for the words customer names repeat (up to a number of
        variant ids in all, then forgotten)."""
        found = self._found.get(token)
        if found is None:
            found = untracked_ids(self._matching_variants(token))
            self._found_held += len(found)
            if self._found_held > _FOUND_MEMO_IDS:
                self._found.clear()
                self._found_held = len(found)
            self._found[token] = found
        return found

    def _common_postings(self, word: str) -> IdSet:
        """The variants holding a word too common to retrieve by (a few such words, remembered)."""
        found = self._common_sets.get(word)
        if found is None:
            found = self._common_sets[word] = untracked_ids(self._postings.get(word, ()))
        return found

    def reached(self, query: NormalizedName) -> set[int]:
        """Every variant :meth:`candidates` ranks for the query, unranked and uncapped, remembered word by
        word: for asking a small index (of changed entries) about many queries."""
        reached: set[int] = set()
        distinctive = False
        for token in query.tokens:
            token_distinctive, found = self._retrieved_by(token)
            distinctive = distinctive or token_distinctive
            reached.update(found)
        reached.update(self._joined_up(query))
        if not distinctive:
            reached.update(self._containing_all(query.tokens))
        return reached

    def word_sites(self) -> WordSites:
        """Every distinct word pair of the indexed names and where it sits (built on first use: a small index's)."""
        if self._word_sites is None:
            at: dict[tuple[str, str], int] = {}
            sites: list[list[tuple[int, int]]] = []
            for variant_id, pairs in enumerate(self.word_pairs):
                for position, pair in enumerate(pairs):
                    if pair not in at:
                        at[pair] = len(sites)
                        sites.append([])
                    sites[at[pair]].append((variant_id, position))
            positions: dict[str, list[int]] = defaultdict(list)
            for (word, _raw), place in at.items():
                positions[word].append(place)
            self._word_sites = WordSites([word for word, _raw in at], [raw for _word, raw in at],
                                         [place for (word, raw), place in at.items() if raw != word], sites,
                                         dict(positions))
        return self._word_sites

    def retrieved_shapes(self, token: str) -> tuple[tuple[int, int], ...]:
        """(number of words, the lengths of their compact forms as a bit mask) of the names the word retrieves on
        its own, per number of words."""
        masks: dict[int, int] = {}
        for variant_id in self._retrieved_by(token)[1]:
            words, length = self.compact_shapes[variant_id]
            masks[words] = masks.get(words, 0) | 1 << length
        return tuple(masks.items())

    def continuations(self, token: str) -> frozenset[str]:
        """The rest of every indexed word or compact name the word begins: what the next query word (or the rest of
        the query, joined up) must be for the two to spell one (:meth:`reached` holds names found that way)."""
        if self._sorted_keys is None:
            self._sorted_keys = sorted({*self._postings, *self._compact})
        keys, rest = self._sorted_keys, []
        # The keys the word begins sit together in sorted order, from where the word itself would.
        for key in islice(keys, bisect_left(keys, token), None):
            if not key.startswith(token):
                break
            rest.append(key[len(token):])
        return frozenset(rest)

    def indexes_word(self, word: str) -> bool:
        """Whether the word is a word of an indexed name."""
        return word in self._postings

    def _starts(self) -> frozenset[str]:
        """Every beginning of an indexed word or compact name (built on first use)."""
        if self._word_starts is None:
            keys = (*self._postings, *self._compact)
            self._word_starts = frozenset(key[:end] for key in keys for end in range(1, len(key) + 1))
        return self._word_starts

    @property
    def vocabulary(self) -> NameIndex:
        """The index whose vocabulary decides what a word stands for and weighs: this one, or, for a part of a
        larger list, the larger list's."""
        return self._vocabulary

    def begins_or_joins(self, token: str) -> bool:
        """Whether the word begins an indexed word or compact name, or spells two neighbouring words of an indexed
        name joined up."""
        return token in self._starts() or token in self._joined

    def may_reach(self, token: str) -> bool:
        """Whether a query can reach an indexed name through this word: it retrieves names on its own, stands
        for an indexed word, or begins an indexed word or compact name that joined-up query words could
        spell. A query none of whose words may reach, reaches nothing (:meth:`reached` is empty): the
        word-by-word, remembered test before many queries meet a small index (of changed entries)."""
        reach = self._reach.get(token)
        if reach is None:
            if len(self._reach) >= _SIMILAR_MEMO_SIZE:
                self._reach.clear()
            reach = self._reach[token] = (bool(self._retrieved_by(token)[1]) or token in self._starts()
                                          or self.spelling(token) in self._postings)
        return reach

    def _retrieved_by(self, token: str) -> tuple[bool, frozenset[int]]:
        """Whether the word is distinctive, and the variants it retrieves on its own if so."""
        retrieved = self._retrieved.get(token)
        if retrieved is None:
            if len(self._retrieved) >= _SIMILAR_MEMO_SIZE:
                self._retrieved.clear()
            distinctive = self.is_distinctive(token)
            found = self._matching_variants(token) if distinctive and not self._is_common(token) else ()
            retrieved = self._retrieved[token] = (distinctive, frozenset(found))
        return retrieved

    def _joined_up(self, query: NormalizedName) -> list[int]:
        """Variants spelling the query's neighbouring words, or all of it, as one word ("Hua Wei")."""
        found: list[int] = []
        postings, compact = self._postings, self._compact
        for joined in (*_joined_pairs(query.tokens), query.compact):
            if joined in postings:
                found += postings[joined]
            if joined in compact:
                found += compact[joined]
        return found

    def _containing_all(self, tokens: tuple[str, ...]) -> list[int]:
        """Names holding every query word (or the listed word it misspells): how a query of only common
        words still finds its exact entry."""
        spelt = {self.spelling(token) for token in tokens}
        if not spelt or any(token not in self._postings for token in spelt):
            return []
        postings = sorted((self._postings[token] for token in spelt), key=len)
        return list(set(postings[0]).intersection(*postings[1:]))

    def _matching_variants(self, token: str) -> set[int]:
        found: set[int] = set()
        for similar in self.similar_tokens(token):
            if not self._is_common(similar):
                found.update(self._postings.get(similar, ()))
        found.update(self._joined.get(token, ()))
        return found

    def similar_tokens(self, token: str) -> tuple[str, ...]:
        """Indexed tokens equal to the query token or one edit away from it (remembered as a tuple: the
        collector stops tracking a tuple of strings at its first collection, a frozenset never)."""
        similar = self._similar.get(token)
        if similar is None:
            if len(self._similar) >= _SIMILAR_MEMO_SIZE:
                self._similar.clear()
            similar = self._similar[token] = tuple(self._one_edit_neighbours(token))
        return similar

    def learn_far_words(self, tokens: Iterable[str]) -> None:
        """Remember that these words, more than two edits (optimal string alignment) from every indexed word as the
        caller has measured in a batch (alignment.word_reaches), have no neighbour here: what
        :meth:`similar_tokens` would find by searching (one-edit neighbours share a deletion with the word, two-edit
        ones are two edits away)."""
        similar = self._similar
        for token in tokens:
            if len(similar) >= _SIMILAR_MEMO_SIZE:
                similar.clear()
            similar[token] = ()

    def _one_edit_neighbours(self, token: str) -> set[str]:
        if token in self._alone:
            return {token}
        similar = {token} if token in self._postings else set()
        if len(token) < MIN_FUZZY_LENGTH:
            return similar
        similar.update(self._by_deletion.get(token, ()))
        for shorter in deletions(token):
            similar.update(self._by_deletion.get(shorter, ()))
            if shorter in self._postings:
                similar.add(shorter)
        if not similar and len(token) >= TWO_EDIT_LENGTH - 2:
            similar.update(self._two_edit_neighbours(token))
        return similar

    def _two_edit_neighbours(self, token: str) -> list[str]:
        """Listed words two edits from a word the lists never use and no listed word is one edit from, where
        either has TWO_EDIT_LENGTH letters or more:
        a scan of the listed words of about its length that begin or end with its letter (two typos that
        change both ends of a long word are rare; only such words pay for the scan)."""
        # Two edits are a misspelling only once either word has TWO_EDIT_LENGTH letters.
        lengths = range(max(len(token) - 2, TWO_EDIT_LENGTH if len(token) < TWO_EDIT_LENGTH else 0), len(token) + 3)
        by_end = self._by_end
        # Joined at C speed; a word beginning and ending with the token's letters is scanned twice, found once.
        nearby = list(chain.from_iterable(by_end.get((end, length), ()) for end in ("^" + token[0], token[-1] + "$")
                                          for length in lengths))
        found = process.extract(token, nearby, scorer=OSA.distance, score_cutoff=2, limit=None)
        return list(dict.fromkeys(word for word, _distance, _position in found))


def is_distinctive_spelling(spelt: str, weight: float) -> bool:
    """Whether a word as the lists spell it, of this weight, can make a hit on its own: not generic, not very common."""
    return spelt not in GENERIC_WORDS and weight >= DISTINCTIVE_WEIGHT


#: A set of variant ids as memos keep it: a dict of ids to None.
IdSet = dict[int, None]


def untracked_ids(ids: Iterable[int]) -> IdSet:
    """Variant ids in a set the garbage collector does not track, for the memos a long-lived process keeps
    filling after its index is frozen (exportguard.heap).

    A set or frozenset is tracked whatever it holds, and every full collection visits each id in it (3 ms
    per collection once 3,000 queries had filled the memo with 114,000 ids, growing toward its limit of a
    million); a dict holding no container is never tracked. Its keys view is the set to intersect.
    """
    return dict.fromkeys(ids)


def _first(pair: tuple[float, AbstractSet[int]]) -> float:
    return pair[0]


def _keyed_groups(
    reached: set[int],
    shares: list[tuple[AbstractSet[int], float]],
    common: list[tuple[AbstractSet[int], float]],
) -> list[tuple[float, AbstractSet[int]]]:
    """The reached variants in groups sharing the same query words, each with its ranking key (minus the
    weight shared: :func:`_shared_weight`), in key order."""
    groups: list[tuple[AbstractSet[int], tuple[bool, ...]]] = [(reached, ())]
    for members, _weight in (*shares, *common):
        split: list[tuple[AbstractSet[int], tuple[bool, ...]]] = []
        for group, inside in groups:
            within = group & members
            if within:
                split.append((within, (*inside, True)))
            if len(within) < len(group):
                split.append((group - within, (*inside, False)))
        groups = split
    return sorted(((_shared_weight(inside, shares, common), group) for group, inside in groups), key=_first)


def _cut_weight(keyed: list[tuple[float, AbstractSet[int]]], limit: int) -> float:
    """The key of the ``limit``-th variant in key order (``keyed`` holds more than ``limit``)."""
    counted = 0
    for key, group in keyed:
        counted += len(group)
        if counted >= limit:
            return key
    raise ValueError("fewer variants than the limit")


def _shared_weight(
    inside: tuple[bool, ...],
    shares: list[tuple[AbstractSet[int], float]],
    common: list[tuple[AbstractSet[int], float]],
) -> float:
    """Minus the weight of the query words a group of variants shares: the words found one way, summed in
    query-word order, then the common words they contain (the ranking key, as a sum per variant gives it)."""
    found = 0.0
    for is_in, (_members, weight) in zip(inside, shares, strict=False):
        if is_in:
            found += weight
    contained = sum(weight for is_in, (_members, weight) in zip(inside[len(shares) :], common, strict=True) if is_in)
    return -found - contained


def _joined_pairs(tokens: tuple[str, ...]) -> list[str]:
    return [tokens[i] + tokens[i + 1] for i in range(len(tokens) - 1)]


def _idf_weights(document_frequency: Counter[str], documents: int) -> dict[str, float]:
    scale = math.log(documents + 1)
    return {token: math.log((documents + 1) / count) / scale for token, count in document_frequency.items()}


def _end_map(postings: dict[str, list[int]]) -> dict[tuple[str, int], list[str]]:
    """Listed words of TWO_EDIT_LENGTH - 2 letters or more under ("^" + first letter, length) and
    (last letter + "$", length)."""
    by_end: dict[tuple[str, int], list[str]] = defaultdict(list)
    for word in postings:
        if len(word) >= TWO_EDIT_LENGTH - 2:
            by_end["^" + word[0], len(word)].append(word)
            by_end[word[-1] + "$", len(word)].append(word)
    return dict(by_end)


def _deletion_map(postings: dict[str, list[int]]) -> dict[str, list[str]]:
    by_deletion: dict[str, list[str]] = {}
    for token in postings:
        if len(token) >= MIN_FUZZY_LENGTH:
            for shorter in {token[:i] + token[i + 1 :] for i in range(len(token))}:
                listed = by_deletion.get(shorter)
                if listed is None:
                    by_deletion[shorter] = [token]
                else:
                    listed.append(token)
    return by_deletion
