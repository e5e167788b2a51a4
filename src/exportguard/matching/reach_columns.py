"""The word-by-word reach test of a small index (``Screener._might_reach``) for many queries at once, over columns.

A delta re-screen asks it of every customer, and customer files repeat their words: the queries' words become
ids (one per distinct word, as normalised and as written), each distinct word's :class:`WordReach` is looked up
once, and numpy decides for all queries together what the per-query test decides word by word: whether a word
may reach a changed name, whether neighbouring words join up into an indexed word, whether a query of only
indexed, non-distinctive words holds them all, whether the word-similarity bound summed over the words reaches
the threshold for some name (summed only over the (word, name) pairs that resemble each other), and whether a
retrieved name has a shape the compact similarity compares.

It admits every query the per-query test admits, and no other but at the threshold's edge: sums are added in
another order, so a sum is trusted only beyond rounding (``_ORDER_SLACK``, in the admitting direction). Whether
the rest of a query joined up completes its first word into an indexed word is asked per query, of the few
whose second word begins one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, count
from typing import Any

import numpy as np
import numpy.typing as npt

from exportguard.matching.alignment import COMPACT_LENGTH_SLACK, WordReach, ratio_reaches, word_reaches
from exportguard.matching.index import NameIndex
from exportguard.matching.normalize import NormalizedName

#: Sums of the same terms added in another order differ by rounding: a borderline query is admitted this far below.
_ORDER_SLACK = 1e-9

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class QueryWords:
    """Many queries' words as ids into ``pairs`` (token, as written), flat in query order."""

    pairs: list[tuple[str, str]]
    ids: Ints
    #: The number of words of each query.
    lengths: Ints
    #: The position of the query each flat word belongs to.
    owner: Ints

    @property
    def queries(self) -> int:
        """How many queries there are."""
        return len(self.lengths)

    def per_query(self, values: npt.NDArray[Any]) -> Floats:
        """A per-word value summed per query (in word order)."""
        sums: npt.NDArray[Any] = np.bincount(self.owner, weights=values[self.ids], minlength=self.queries)
        return sums


def query_words(queries: Sequence[NormalizedName]) -> QueryWords:
    """The queries' words as ids, one per distinct (token, as written) pair."""
    token_ids: defaultdict[str, int] = defaultdict(count().__next__)
    raw_ids: defaultdict[str, int] = defaultdict(count().__next__)
    token_id, raw_id = token_ids.__getitem__, raw_ids.__getitem__
    tokens: list[int] = []
    raws: list[int] = []
    lengths: list[int] = []
    # One pass, each query's words looked up while they are in the processor's cache: the customers of a large
    # file lie all over memory, and reading them is most of this test's time.
    for query in queries:
        lengths.append(len(query.tokens))
        tokens += map(token_id, query.tokens)
        raws += map(raw_id, query.raw_tokens)
    return _paired(np.array(tokens, dtype=np.int64), list(token_ids), np.array(raws, dtype=np.int64), list(raw_ids),
                   np.array(lengths, dtype=np.int64))


def _paired(token_ids: Ints, tokens: list[str], raw_ids: Ints, raws: list[str], lengths: Ints) -> QueryWords:
    """The words as ids of their distinct (token, as written) pairs, from the ids of either."""
    # A word as written is normalised the same way wherever it stands, as a rule: then it alone tells the pair.
    token_of_raw = np.zeros(len(raws), dtype=np.int64)
    token_of_raw[raw_ids] = token_ids
    if np.array_equal(token_of_raw[raw_ids], token_ids):
        pairs = [(tokens[token], raw) for token, raw in zip(token_of_raw.tolist(), raws, strict=True)]
        ids = raw_ids
    else:
        codes, ids = np.unique(token_ids * len(raws) + raw_ids, return_inverse=True)
        pairs = [(tokens[code // len(raws)], raws[code % len(raws)]) for code in codes.tolist()]
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    return QueryWords(pairs, ids.astype(np.int64), lengths, owner)


@dataclass(frozen=True)
class Postings:
    """Per word id, a run of entries (``starts[id]`` .. ``starts[id + 1]``) of the columns in ``values``."""

    starts: Ints
    values: dict[str, npt.NDArray[Any]]

    @classmethod
    def of(cls, rows: list[list[tuple[float, ...]]], names: tuple[str, ...], dtypes: tuple[type, ...]) -> Postings:
        """The rows of each word in order, their fields as the named columns."""
        sizes = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        flat = list(chain.from_iterable(rows))
        columns: dict[str, npt.NDArray[Any]] = {
            name: np.array([row[at] for row in flat], dtype=dtype)
            for at, (name, dtype) in enumerate(zip(names, dtypes, strict=True))
        }
        return cls(np.concatenate(([0], np.cumsum(sizes))), columns)

    def expand(self, words: QueryWords, positions: Ints) -> tuple[Ints, Ints]:
        """For the flat words at ``positions``, one row per entry of their word: (query position, entry)."""
        word = words.ids[positions]
        sizes = self.starts[word + 1] - self.starts[word]
        before = np.cumsum(sizes) - sizes
        entries = np.repeat(self.starts[word] - before, sizes) + np.arange(int(sizes.sum()), dtype=np.int64)
        return np.repeat(words.owner[positions], sizes), entries

    def nonempty(self) -> Flags:
        """Whether each word has entries."""
        return np.diff(self.starts) > 0


@dataclass(frozen=True)
class WordColumns:
    """What each distinct word of the queries reaches in the index (its :class:`WordReach`), as columns."""

    may_reach: Flags
    distinctive: Flags
    indexed: Flags
    weight: Floats
    letters: Ints
    #: What the rest of the query must be for the word joined up with it to spell an indexed word or compact name.
    joins: list[frozenset[str]]
    #: Sorted codes ``word * words + next`` of the word pairs that join up into one.
    joins_next: Ints
    #: Likewise, of the pairs where the next word is the beginning of what the word needs (the rest of a query
    #: beginning with the two may complete it).
    begins_join: Ints
    #: Per word, the names it resembles: variant, the most it counts matched, what it takes out of the unmatched,
    #: the name's whole weight (:attr:`WordReach.names`).
    names: Postings
    #: Per word, the shapes of the names it retrieves: number of words, compact length.
    shapes: Postings

    @classmethod
    def of(cls, index: NameIndex, pairs: list[tuple[str, str]]) -> WordColumns:
        """The columns of these words' reaches (worked out together, once per index, remembered)."""
        reaches = word_reaches(index, pairs)
        return cls(
            np.array([reach.may_reach for reach in reaches], dtype=np.bool_),
            np.array([reach.distinctive for reach in reaches], dtype=np.bool_),
            np.array([reach.stands_for_indexed for reach in reaches], dtype=np.bool_),
            np.array([reach.weight for reach in reaches], dtype=np.float64),
            np.array([len(token) for token, _raw in pairs], dtype=np.int64),
            [reach.joins for reach in reaches],
            *_join_codes(pairs, reaches),
            Postings.of([[(variant, *counted) for variant, counted in reach.names.items()] for reach in reaches],
                        ("variant", "matched", "taken", "name_weight"), (np.int64, np.float64, np.float64, np.float64)),
            Postings.of([_shape_rows(reach) for reach in reaches], ("words", "length"), (np.int64, np.int64)),
        )


def _shape_rows(reach: WordReach) -> list[tuple[float, ...]]:
    """(number of words, compact length) of each shape of the names a word retrieves."""
    rows: list[tuple[float, ...]] = []
    for words, mask in reach.shapes:
        rows += [(words, length) for length in range(mask.bit_length()) if mask >> length & 1]
    return rows


def _join_codes(pairs: list[tuple[str, str]], reaches: list[WordReach]) -> tuple[Ints, Ints]:
    """Sorted codes of the (word, next word) pairs where the next word is one of the word's joins, and of those
    where it is the beginning of one."""
    by_token: defaultdict[str, list[int]] = defaultdict(list)
    for word_id, (token, _raw) in enumerate(pairs):
        by_token[token].append(word_id)
    joined, begun = [], []
    for word_id, reach in enumerate(reaches):
        if not reach.joins:
            continue
        beginnings = {rest[:end] for rest in reach.joins for end in range(1, len(rest) + 1)}
        begun += [word_id * len(pairs) + following for token in beginnings & by_token.keys() for following in by_token[token]]
        joined += [word_id * len(pairs) + following for token in reach.joins & by_token.keys() for following in by_token[token]]
    return np.array(sorted(joined), dtype=np.int64), np.array(sorted(begun), dtype=np.int64)


def might_reach_columns(index: NameIndex, queries: Sequence[NormalizedName], needed: float,
                        needed_contained: float, words: QueryWords | None = None) -> Ints:
    """Positions of the queries the per-query word-by-word test may admit (a superset of those it admits), for a
    word-similarity threshold ``needed`` (``needed_contained`` for a name every word of a query resembles).
    ``words``: the queries' :func:`query_words`, if the caller keeps them."""
    words = words or query_words(queries)
    columns = WordColumns.of(index, words.pairs)
    may_reach = words.per_query(columns.may_reach) > 0
    admitted = may_reach & (_joined_up(words, columns, queries) | _only_indexed_common_words(words, columns))
    undecided = may_reach & ~admitted
    admitted |= _word_bound_reaches(words, columns, needed, needed_contained, undecided)
    admitted |= _compact_shape_compared(words, columns, undecided)
    return np.flatnonzero(admitted)


def _joined_up(words: QueryWords, columns: WordColumns, queries: Sequence[NormalizedName]) -> Flags:
    """Queries with a word that, joined up with the next, spells an indexed word or compact name; or whose first
    word, joined up with the rest of the query (nothing, for a query of one word), spells one."""
    joined = np.zeros(words.queries, dtype=np.bool_)
    firsts = np.cumsum(words.lengths) - words.lengths
    single = np.flatnonzero(words.lengths == 1)
    spelling = np.array(["" in joins for joins in columns.joins], dtype=np.bool_)
    joined[single] = spelling[words.ids[firsts[single]]]
    joining = np.array([bool(joins) for joins in columns.joins], dtype=np.bool_)
    followed = np.flatnonzero((words.owner[:-1] == words.owner[1:]) & joining[words.ids[:-1]])
    codes = words.ids[followed] * len(words.pairs) + words.ids[followed + 1]
    joined[words.owner[followed[_among(codes, columns.joins_next)]]] = True
    # The first word and the rest: asked of the few queries whose second word begins what the first one needs.
    first = followed[firsts[words.owner[followed]] == followed]
    begun = first[_among(words.ids[first] * len(words.pairs) + words.ids[first + 1], columns.begins_join)]
    for position in words.owner[begun][~joined[words.owner[begun]]].tolist():
        tokens = queries[position].tokens
        joined[position] = "".join(tokens[1:]) in columns.joins[words.ids[firsts[position]]]
    return joined


def _among(codes: Ints, sorted_codes: Ints) -> Flags:
    """Whether each code is one of the sorted codes."""
    if not len(sorted_codes):
        return np.zeros(len(codes), dtype=np.bool_)
    at = np.minimum(np.searchsorted(sorted_codes, codes), len(sorted_codes) - 1)
    return sorted_codes[at] == codes


def _only_indexed_common_words(words: QueryWords, columns: WordColumns) -> Flags:
    """Queries without a distinctive word whose words all stand for indexed words: they reach the names holding
    them all."""
    return (words.per_query(columns.distinctive) == 0) & (words.per_query(columns.indexed) == words.lengths)


def _word_bound_reaches(words: QueryWords, columns: WordColumns, needed: float, needed_contained: float,
                        asked: Flags) -> Flags:
    """Among the ``asked`` queries, those for which some name's word-similarity bound, summed word by word as
    :func:`alignment.word_bound_may_reach` sums it, reaches the threshold."""
    if min(needed, needed_contained) <= 0:
        return asked.copy()
    resembles = columns.names.nonempty()[words.ids]
    positions = np.flatnonzero(resembles & asked[words.owner])
    query, entry = columns.names.expand(words, positions)
    variant = columns.names.values["variant"][entry]
    # One group per (query, name): the words' reaches summed in word order.
    key = query * (int(variant.max(initial=0)) + 1) + variant
    order = np.argsort(key, kind="stable")
    starts = np.flatnonzero(np.diff(key[order], prepend=-1))
    matched, taken = (_group_sums(columns.names.values[field][entry][order], starts) for field in ("matched", "taken"))
    group_query = query[order][starts]
    resembling_words = np.diff(np.append(starts, len(order)))
    name_weight = columns.names.values["name_weight"][entry][order][starts]
    unmatched = words.per_query(columns.weight)[group_query] + name_weight - taken
    query_words = words.lengths[group_query]
    contained = ((query_words >= 2) & (resembling_words == query_words)
                 & (np.bincount(words.owner, weights=resembles, minlength=words.queries)[group_query] == query_words))
    reaches = (ratio_reaches(matched, unmatched, min(1.0, needed), _ORDER_SLACK)
               | contained & ratio_reaches(matched, unmatched, min(1.0, needed_contained), _ORDER_SLACK))
    found = np.zeros(words.queries, dtype=np.bool_)
    found[group_query[reaches]] = True
    return found


def _group_sums(values: Floats, starts: Ints) -> Floats:
    """The sums of the runs of ``values`` beginning at ``starts``, each added in order."""
    sums: Floats = np.add.reduceat(values, starts) if len(starts) else np.zeros(0)
    return sums


def _compact_shape_compared(words: QueryWords, columns: WordColumns, asked: Flags) -> Flags:
    """Among the ``asked`` queries, those with a word retrieving a name the compact similarity compares with the
    query: of another number of words, its compact form in the window of lengths the per-query test reads (from
    COMPACT_LENGTH_SLACK below the query's, floored at 0, 2 * COMPACT_LENGTH_SLACK + 1 lengths)."""
    positions = np.flatnonzero(columns.shapes.nonempty()[words.ids] & asked[words.owner])
    query, entry = columns.shapes.expand(words, positions)
    lowest = np.maximum(words.per_query(columns.letters).astype(np.int64)[query] - COMPACT_LENGTH_SLACK, 0)
    length = columns.shapes.values["length"][entry]
    compared = ((columns.shapes.values["words"][entry] != words.lengths[query])
                & (length >= lowest) & (length <= lowest + 2 * COMPACT_LENGTH_SLACK))
    found = np.zeros(words.queries, dtype=np.bool_)
    found[query[compared]] = True
    return found
