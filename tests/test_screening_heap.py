"""What a long-lived screener remembers between queries stays out of the garbage collector's walk.

A full collection visits every object the collector tracks, and every reference in it: retrieval memos of
sets of variant ids, growing for as long as a server runs, made each full collection of a long-lived
process milliseconds longer (bench/slow_queries.py, docs/screening.md "Performance").
"""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator

import pytest

from exportguard.heap import is_frozen
from exportguard.lists.bundled import bundled_csl
from exportguard.lists.model import ListSnapshot
from exportguard.matching.screener import Screener

PARTIES = bundled_csl().parties[:600]


def _customer_names(count: int) -> list[str]:
    """Listed names as customers write them: a letter dropped from a word, words of two names mixed."""
    rnd = random.Random(17)
    names = []
    for _ in range(count):
        words = rnd.choice(PARTIES).name.split() + rnd.choice(PARTIES).name.split()[:1]
        at = rnd.randrange(len(words))
        if len(words[at]) > 5:
            cut = rnd.randrange(1, len(words[at]) - 1)
            words[at] = words[at][:cut] + words[at][cut + 1 :]
        names.append(" ".join(words))
    return names


@pytest.fixture()
def heap_frozen_now() -> Iterator[None]:
    """Everything alive before the test is frozen, so the collector's walk holds only what the test leaves."""
    frozen_before = is_frozen()
    gc.collect()
    gc.freeze()
    yield
    if not frozen_before:
        gc.unfreeze()


def test_the_retrieval_memos_hold_nothing_the_collector_walks(heap_frozen_now: None) -> None:
    screener = Screener(ListSnapshot(bundled_csl().version, PARTIES))
    gc.freeze()  # the index, as a long-lived process has it
    found = [screener.screen(name, threshold=0.7) for name in _customer_names(300)]
    gc.collect()  # a tuple of strings and ints is untracked at its first collection
    walked = gc.get_objects()
    assert sum(map(bool, found)) > 100  # the queries retrieved and remembered candidates
    assert [kept for kept in walked if type(kept) in (set, frozenset)] == []
    assert [kept for kept in walked if type(kept) is tuple and all(isinstance(item, str | int) for item in kept)] == []
