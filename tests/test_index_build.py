"""Shortcuts of the cold index build give exactly what the long way gives."""

from __future__ import annotations

from exportguard.lists.bundled import counter_lists_snapshot
from exportguard.matching.alignment import word_facts
from exportguard.matching.gazetteer import native_names_for
from exportguard.matching.index import MIN_FUZZY_LENGTH
from exportguard.matching.screener import Screener
from tests.structure import structural_digest


def test_words_alone_are_the_listed_words_with_no_other_within_one_edit(screener: Screener) -> None:
    index = screener.index
    alone = index._listed_words_alone()
    long_words = [word for word in index.listed_words() if len(word) >= MIN_FUZZY_LENGTH]
    searched = {word: index._one_edit_neighbours(word) for word in long_words}  # the long way: not learning now
    assert {word for word, similar in searched.items() if similar == {word}} == alone & set(long_words)
    assert 0 < len(alone & set(long_words)) < len(long_words)


def test_a_vocabulary_learnt_with_the_words_alone_known_is_the_same() -> None:
    snapshot = counter_lists_snapshot()
    natives = native_names_for(snapshot)
    learnt = Screener(snapshot, natives).learn_vocabulary()
    long_way = Screener(snapshot, natives)
    for word in long_way.index.listed_words():
        word_facts(long_way.index, word)
    assert structural_digest(learnt) == structural_digest(long_way)
