"""Invariants of normalisation and scoring, checked by hypothesis on real list names."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exportguard.lists.bundled import bundled_csl
from exportguard.lists.model import ListSnapshot
from exportguard.matching.alignment import (
    Aligner,
    _resembled,
    word_bound_may_reach,
    word_pair_similarity,
    word_reach,
    word_reaches,
    word_similarity_bound,
)
from exportguard.matching.normalize import NormalizedName, fold, normalize
from exportguard.matching.reach_columns import might_reach_columns, query_words
from exportguard.matching.screener import Screener, _word_thresholds

ORGANISATIONS = [p for p in bundled_csl().parties if p.entity_type != "Individual" and p.list_code != "SDN"]
WITHOUT_LEGAL_FORM = [party for party in ORGANISATIONS if not normalize(party.name).legal_forms]
fixture_ok = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@fixture_ok
@given(st.sampled_from(ORGANISATIONS))
def test_a_listed_name_finds_its_own_entry_as_a_strong_hit(screener: Screener, party) -> None:  # type: ignore[no-untyped-def]
    hits = screener.screen(party.name, limit=100)
    own = [hit for hit in hits if hit.party.key == party.key]
    assert own and own[0].score >= 0.92


@fixture_ok
@given(st.sampled_from(WITHOUT_LEGAL_FORM), st.randoms(use_true_random=False))
def test_case_punctuation_and_word_order_still_find_the_entry(screener: Screener, party, rnd: random.Random) -> None:  # type: ignore[no-untyped-def]
    words = party.name.replace(",", " ").replace(".", " ").split()
    rnd.shuffle(words)
    hits = screener.screen(" ".join(words).upper(), limit=100, threshold=0.0)
    own = [hit for hit in hits if hit.party.key == party.key]
    assert own and own[0].score >= 0.8


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=80).filter(str.strip))
def test_any_text_scores_within_bounds_and_sorted(screener: Screener, text: str) -> None:
    hits = screener.screen(text, threshold=0.0, limit=20)
    scores = [hit.score for hit in hits]
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert scores == sorted(scores, reverse=True)
    assert len({hit.party.key for hit in hits}) == len(hits)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(categories=("L", "N", "P", "Z")), max_size=60))
def test_normalisation_is_idempotent_on_its_own_output(text: str) -> None:
    once = normalize(text)
    again = normalize(" ".join(once.raw_tokens))
    assert again.tokens == once.tokens


SMALL = Screener(ListSnapshot(bundled_csl().version, bundled_csl().parties[:150]))
PART = Screener(ListSnapshot(bundled_csl().version, bundled_csl().parties[150:300]),
                statistics_of=SMALL.index)
NAME_WORDS = sorted({word for party in bundled_csl().parties[:300] for word in party.name.split()})


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=5).map(" ".join),
    st.text(alphabet="abcdefghiklmnorstu ", min_size=1, max_size=30).filter(str.strip),
))
def test_reached_is_exactly_the_candidates_before_the_cap(text: str) -> None:
    """The delta re-screen's word-by-word retrieval agrees with candidate retrieval, on a list and on a part
    indexed like it, asked twice (the second time from memory)."""
    query = normalize(text)
    for index in (SMALL.index, PART.index):
        everything = set(index.candidates(query, len(index.variants)))
        assert index.reached(query) == everything
        assert index.reached(query) == everything


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=5).map(" ".join),
    st.text(alphabet="abcdefghiklmnorstu ", min_size=1, max_size=30).filter(str.strip),
), st.floats(0.0, 1.0))
def test_the_cheap_test_never_rules_out_a_hit(text: str, threshold: float) -> None:
    """may_hit's upper bound is never below a score the screen gives, so a delta re-screen misses nothing."""
    for screener in (SMALL, PART):
        if screener.screen(text, threshold=threshold, limit=1):
            assert screener.may_hit(text, threshold)


def _misspelt(words: list[str], rnd: random.Random) -> str:
    """The words with a letter dropped from one, and sometimes two of them written as one."""
    at = rnd.randrange(len(words))
    cut = rnd.randrange(len(words[at]))
    words = [*words[:at], words[at][:cut] + words[at][cut + 1:], *words[at + 1:]]
    if len(words) > 1 and rnd.random() < 0.3:
        words[:2] = [words[0] + words[1]]
    return " ".join(words)


QUERIES = st.one_of(
    st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=5).map(" ".join),
    st.builds(_misspelt, st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=5), st.randoms(use_true_random=False)),
    st.text(alphabet="abcdefghiklmnorstu ", min_size=1, max_size=30).filter(str.strip),
)


@settings(max_examples=300, deadline=None)
@given(QUERIES, st.floats(0.0, 1.0))
def test_the_word_by_word_test_never_rules_out_what_the_bound_admits(text: str, threshold: float) -> None:
    """may_hit's word-by-word test (what each query word is remembered to reach) is a necessary condition of the
    score bound over every name the small index reaches: it rules out no customer the bound admits."""
    query = normalize(text)
    for screener in (SMALL, PART):
        if any(screener._may_reach(query, variant_id, threshold) for variant_id in screener.index.reached(query)):
            assert screener._might_reach(query, threshold)


#: How far below a threshold the per-query test admits every query the columnar one admits: the columns add the
#: same terms in another order and trust a sum only beyond rounding.
AT_THE_EDGE = 1e-6


@settings(max_examples=200, deadline=None)
@given(st.lists(QUERIES, min_size=1, max_size=25), st.floats(0.0, 1.0))
def test_the_columnar_test_admits_what_the_per_query_test_admits_and_no_more(texts: list[str], threshold: float) -> None:
    """might_reach_columns decides for many queries at once what _might_reach decides for each (a necessary
    condition of it, so a delta re-screen loses nothing): it admits every query the per-query test admits, and
    none it rules out a hair below the threshold; may_hit_many likewise against may_hit."""
    queries = [normalize(text) for text in texts]
    for screener in (SMALL, PART):
        columns = set(might_reach_columns(screener.index, queries, *_word_thresholds(threshold)).tolist())
        admitted = {at for at, query in enumerate(queries) if screener._might_reach(query, threshold)}
        below = {at for at, query in enumerate(queries) if screener._might_reach(query, threshold - AT_THE_EDGE)}
        assert admitted <= columns <= below
        many = set(screener.may_hit_many(queries, threshold))
        hits = {at for at, query in enumerate(queries) if screener.may_hit(query.original, threshold, query)}
        assert hits <= many <= {at for at, query in enumerate(queries)
                                if screener.may_hit(query.original, threshold - AT_THE_EDGE, query)}


def _list_and_part() -> tuple[Screener, Screener]:
    """A list and a part of it indexed like it, as SMALL and PART are, but new: each pair built by this is asked for
    words' reaches one way only, so the memos a batch fills never serve the per-word computation it is compared with."""
    whole = Screener(ListSnapshot(bundled_csl().version, bundled_csl().parties[:150]))
    return whole, Screener(ListSnapshot(bundled_csl().version, bundled_csl().parties[150:300]), statistics_of=whole.index)


ONE_BY_ONE, BATCHED = _list_and_part(), _list_and_part()


@settings(max_examples=200, deadline=None)
@given(st.lists(QUERIES, min_size=1, max_size=25))
def test_word_reaches_in_a_batch_are_those_worked_out_word_by_word(texts: list[str]) -> None:
    """word_reaches gives for every word (list words, misspelt, joined up, random) exactly what word_reach gives, on
    a list and on a part indexed like it, a word asked twice included."""
    queries = [normalize(text) for text in texts]
    pairs = [pair for query in queries for pair in zip(query.tokens, query.raw_tokens, strict=True)]
    for one_by_one, batched in zip(ONE_BY_ONE, BATCHED, strict=True):
        assert word_reaches(batched.index, pairs) == [word_reach(one_by_one.index, *pair) for pair in pairs]


@settings(max_examples=100, deadline=None)
@given(st.lists(QUERIES, min_size=1, max_size=6))
def test_a_remembered_word_reach_tells_which_words_of_a_name_a_query_word_resembles(texts: list[str]) -> None:
    """The word-similarity bound asks, of every name a query reaches, which of its words each query word resembles;
    where the word's reach is remembered, a name it does not list is answered without comparing a word. The answer
    is the comparison's, word for word, for list words, misspelt ones and random ones, with the reach remembered
    or not."""
    for index in (SMALL.index, PART.index):
        for query in map(normalize, texts):
            for token, raw in zip(query.tokens, query.raw_tokens, strict=True):
                index.word_reaches.pop((token, raw), None)
                without_reach = [_resembled(index, token, raw, variant_id) for variant_id in range(len(index.variants))]
                index.resembled.clear()
                word_reach(index, token, raw)
                compared = [tuple(position for position, pair in enumerate(zip(variant.normalized.tokens,
                                                                               variant.normalized.raw_tokens,
                                                                               strict=True))
                                  if word_pair_similarity(token, raw, *pair) > 0)
                            for variant in index.variants]
                assert without_reach == compared
                assert [_resembled(index, token, raw, variant_id)
                        for variant_id in range(len(index.variants))] == compared


@settings(max_examples=100, deadline=None)
@given(st.lists(QUERIES, min_size=1, max_size=12), st.floats(0.0, 1.0), st.randoms(use_true_random=False))
def test_may_hit_many_answers_each_repetition_of_a_name_as_it_answers_the_name_alone(
        texts: list[str], threshold: float, rnd: random.Random) -> None:
    """may_hit_many works out the score bound once per name: every repetition of a name, anywhere among the
    queries, is admitted exactly when the name asked alone is."""
    queries = [normalize(text) for text in texts]
    repeated = [*queries, *queries, *queries]
    rnd.shuffle(repeated)
    for screener in (SMALL, PART):
        alone = {query.original for query in queries if screener.may_hit_many([query], threshold)}
        assert {repeated[at].original for at in screener.may_hit_many(repeated, threshold)} == alone
        assert len(screener.may_hit_many(repeated, threshold)) == 3 * sum(query.original in alone for query in queries)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from("ab"), st.sampled_from("abA")), max_size=4), max_size=12))
def test_query_words_are_the_pairs_of_token_and_word_as_written(names: list[list[tuple[str, str]]]) -> None:
    """Each word's id stands for its own (token, as written) pair, also where a word as written is normalised to
    different tokens in different names."""
    queries = [NormalizedName("", tuple(token for token, _raw in words), (), False, tuple(raw for _token, raw in words))
               for words in names]
    words = query_words(queries)
    assert [words.pairs[word] for word in words.ids.tolist()] == [pair for name in names for pair in name]
    assert len(set(words.pairs)) == len(words.pairs)
    assert words.lengths.tolist() == [len(name) for name in names]


@settings(max_examples=300, deadline=None)
@given(QUERIES, st.floats(0.05, 1.0))
def test_the_word_by_word_bound_is_never_below_the_word_similarity_bound(text: str, needed: float) -> None:
    """The word-similarity bound summed word by word admits every threshold some indexed name's
    word_similarity_bound reaches (whatever lower threshold a contained name is given)."""
    query = normalize(text)
    for index in (SMALL.index, PART.index):
        reaches = [word_reach(index, token, raw) for token, raw in zip(query.tokens, query.raw_tokens, strict=True)]
        best = max(word_similarity_bound(query, variant_id, index) for variant_id in range(len(index.variants)))
        if best >= needed:
            resembling = [reach.names for reach in reaches if reach.names]
            weight = sum(reach.weight for reach in reaches)
            assert word_bound_may_reach(resembling, weight, len(reaches), needed, needed)
            assert word_bound_may_reach(resembling, weight, len(reaches), needed, needed / 2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=6).map(" ".join))
def test_the_word_similarity_bound_holds_for_every_candidate(text: str) -> None:
    query = normalize(text)
    aligner = Aligner(query, PART.index)
    for variant_id in PART.index.candidates(query, len(PART.index.variants)):
        actual = aligner.align(PART.index.variants[variant_id].normalized).word_similarity
        assert actual <= word_similarity_bound(query, variant_id, PART.index) + 1e-9


@pytest.mark.parametrize(("name", "tokens", "legal_forms"), [
    ("Foo S.R.L.", ("foo",), ("srl",)),
    ("Foo S. r. l.", ("foo",), ("srl",)),
    ("Foo L.L.C. Trading", ("foo", "trade"), ("llc",)),
    ("Foo spol. s r.o.", ("foo",), ("sro",)),
    ("Foo G.m.b.H.", ("foo",), ("gmbh",)),
    ("O.O.O. Foo", ("foo",), ("llc",)),
    ("Foo S.A.R.L.", ("foo",), ("sarl",)),
    ("Foo S.p.A.", ("foo",), ("spa",)),
    ("Foo S.A. de C.V.", ("foo",), ("sa",)),
    # Two initials, or initials spelling no legal form, stay words (a person's initials).
    ("A.G. Industries", ("g", "industry"), ()),
    ("A.B.C. Trading", ("b", "c", "trade"), ()),
])  # fmt: skip
def test_initials_spelling_a_legal_form_are_that_form(name: str, tokens: tuple[str, ...],
                                                      legal_forms: tuple[str, ...]) -> None:
    normalized = normalize(name)
    assert (normalized.tokens, normalized.legal_forms) == (tokens, legal_forms)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_ascii_text_folds_by_its_table_as_the_rules_say(text: str) -> None:
    """fold() reads ASCII through a table: the same as lowering the text, dropping underscores and apostrophes,
    spelling out "&" and making any other punctuation a space."""
    expected = re.sub(r"[^\w\s]|_", " ", text.lower().replace("_", "").replace("&", " and ").replace("'", ""))
    assert fold(text) == expected
