"""Speed must not cost a hit: the pruned screen equals the unpruned one, and its shortcuts are exact.

Queries are real list names, misspelt, cut short, mixed with each other's words and with words the lists
never use; the screen with the upper-bound pruning is compared with the same screen aligning every
candidate, hit for hit, score for score and feature for feature.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exportguard.lists.bundled import bundled_csl
from exportguard.lists.model import ListSnapshot
from exportguard.matching.alignment import Aligner
from exportguard.matching.index import NameIndex
from exportguard.matching.normalize import NormalizedName, normalize
from exportguard.matching.screener import Screener, reference_screener

PARTIES = bundled_csl().parties
NAMES = [name for party in PARTIES[::7] for name in party.all_names[:2]]
SMALL = Screener(ListSnapshot(bundled_csl().version, PARTIES[:400]))
PART = Screener(ListSnapshot(bundled_csl().version, PARTIES[400:700]), statistics_of=SMALL.index)
settled = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _misspelt(name: str, rnd: random.Random) -> str:
    """One or two edits (deletion, insertion, substitution, swap of neighbours) in a random word."""
    words = name.split()
    at = rnd.randrange(len(words))
    word = words[at]
    for _ in range(rnd.choice((1, 2))):
        if len(word) < 3:
            break
        i = rnd.randrange(1, len(word) - 1)
        word = rnd.choice((
            word[:i] + word[i + 1 :],
            word[:i] + rnd.choice("aeiounrst") + word[i:],
            word[:i] + rnd.choice("aeiounrst") + word[i + 1 :],
            word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :],
        ))  # fmt: skip
    return " ".join([*words[:at], word, *words[at + 1 :]])


@st.composite
def queries(draw: st.DrawFn) -> str:
    """A listed name as customers write it: misspelt, a word dropped, words of another name or an unknown word."""
    rnd = draw(st.randoms(use_true_random=False))
    name = draw(st.sampled_from(NAMES))
    changes = draw(st.sets(st.sampled_from(("misspelt", "dropped", "mixed", "unknown", "plural")), max_size=3))
    if "misspelt" in changes:
        name = _misspelt(name, rnd)
    words = name.split()
    if "dropped" in changes and len(words) > 1:
        del words[rnd.randrange(len(words))]
    if "mixed" in changes:
        words.insert(rnd.randrange(len(words) + 1), rnd.choice(rnd.choice(NAMES).split()))
    if "unknown" in changes:
        words.append(draw(st.text(alphabet="abcdefghiklmnorstuvz", min_size=2, max_size=12)))
    if "plural" in changes:
        words = [word + "s" if len(word) > 4 else word for word in words]
    return " ".join(words) or name


@contextmanager
def unpruned() -> Iterator[None]:
    """The screen aligning every candidate on the lists asked for, as before upper bounds existed."""

    def every_candidate(self, aligner, variant_ids, threshold):  # type: ignore[no-untyped-def]
        return list(variant_ids)

    with mock.patch.object(Screener, "_reachable", every_candidate):
        yield


def _hits(screener: Screener, query: str, threshold: float) -> list[tuple[object, ...]]:
    hits = screener.screen(query, limit=50, threshold=threshold)
    return [(hit.party.key, hit.score, hit.matched_name, hit.features) for hit in hits]


@settled
@given(queries(), st.sampled_from((0.0, 0.5, 0.70, 0.75, 0.80, 0.92)))
def test_pruned_screen_equals_the_unpruned_one(query: str, threshold: float) -> None:
    for screener in (reference_screener(), SMALL, PART):
        pruned = _hits(screener, query, threshold)
        with unpruned():
            everything = _hits(screener, query, threshold)
        assert pruned == everything


@settled
@given(queries())
def test_the_partner_bound_holds_for_every_candidate(query: str) -> None:
    """The bound is never below the alignment's word similarity, and says every query word has a partner
    whenever the alignment matches them all."""
    normalized = normalize(query)
    if not normalized.tokens:
        return
    for index in (reference_screener().index, PART.index):
        aligner = Aligner(normalized, index)
        candidates = index.candidates(normalized, 200)
        aligner.learn_words({pair for variant_id in candidates for pair in index.word_pairs[variant_id]})
        for variant_id in candidates:
            bound, every_word = aligner.partner_bound(index.word_pairs[variant_id])
            alignment = aligner.align(index.variants[variant_id].normalized)
            assert alignment.word_similarity <= bound + 1e-12
            assert every_word or not alignment.query.all_matched


def _ranked_one_by_one(index: NameIndex, query: NormalizedName, limit: int) -> list[int]:
    """Candidate ranking as a sum per variant and one sort of them all (the grouped ranking must agree)."""
    evidence: dict[int, float] = defaultdict(float)
    reached: set[int] = set()
    common: list[tuple[str, float]] = []
    for token in set(query.tokens):
        weight = index.weight(token)
        if index._is_common(token):
            common.append((index.spelling(token), weight))
            continue
        found = index._matching_variants(token)
        for variant_id in found:
            evidence[variant_id] += weight
        if index.is_distinctive(token):
            reached |= found
    reached.update(index._joined_up(query))
    if not any(index.is_distinctive(token) for token in query.tokens):
        reached.update(index._containing_all(query.tokens))
    words = {variant_id: frozenset(index.variants[variant_id].normalized.tokens) for variant_id in reached}
    size = len(set(query.tokens))
    ranked = sorted(
        (-evidence.get(variant_id, 0.0) - sum(weight for token, weight in common if token in words[variant_id]),
         abs(len(words[variant_id]) - size), variant_id)
        for variant_id in reached
    )  # fmt: skip
    return [variant_id for *_, variant_id in ranked[:limit]]


@settled
@given(queries(), st.sampled_from((1, 5, 80, 10_000)))
def test_grouped_ranking_equals_ranking_one_by_one(query: str, limit: int) -> None:
    normalized = normalize(query)
    for index in (reference_screener().index, SMALL.index, PART.index):
        assert index.candidates(normalized, limit) == _ranked_one_by_one(index, normalized, limit)


@settled
@given(queries(), st.sampled_from((1, 5, 80)), st.randoms(use_true_random=False))
def test_the_candidates_among_some_variants_are_those_of_the_whole_ranking(query: str, limit: int,
                                                                          rnd: random.Random) -> None:
    """Asked for the candidates among a few variants (a delta re-screen's recorded entries), the index gives
    the whole ranking's cut restricted to them, in its order: variants drawn from around the cut (where ties
    are broken by closeness in length), from anywhere in the ranking, and not reached at all."""
    normalized = normalize(query)
    for index in (reference_screener().index, SMALL.index, PART.index):
        ranking = index.candidates(normalized, len(index.variants))
        around_cut = ranking[max(0, limit - 2) : limit + 2]
        among = {*rnd.sample(around_cut, min(len(around_cut), 2)), *rnd.sample(ranking, min(len(ranking), 2)),
                 *rnd.sample(range(len(index.variants)), 2)}
        whole = [variant_id for variant_id in index.candidates(normalized, limit) if variant_id in among]
        assert index.candidates(normalized, limit, among) == whole


@settled
@given(queries(), st.sampled_from((0.5, 0.65, 0.70)), st.randoms(use_true_random=False))
def test_a_screen_of_some_entries_is_the_full_screen_restricted_to_them(query: str, threshold: float,
                                                                       rnd: random.Random) -> None:
    """screen(entries=...) keeps, hit for hit and feature for feature, what the full screen gives on those
    entries: entries with a hit, entries among the candidates without one, and entries the query never reaches."""
    for screener in (reference_screener(), SMALL, PART):
        everything = screener.screen(query, limit=10_000, threshold=threshold)
        ranking = screener.index.candidates(normalize(query), len(screener.index.variants))
        keys = {screener.parties[screener.index.variants[variant_id].party_index].key for variant_id in ranking}
        entries = {*rnd.sample(sorted({hit.party.key for hit in everything}), min(len(everything), 2)),
                   *rnd.sample(sorted(keys), min(len(keys), 3)), rnd.choice(screener.parties).key}
        some = screener.screen(query, limit=10_000, threshold=threshold, entries=entries)
        assert some == [hit for hit in everything if hit.party.key in entries]
