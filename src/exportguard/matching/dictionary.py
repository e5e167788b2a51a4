"""Ordinary English words: a listed name resting on one of them alone ("Vista", "Apex") is weak evidence.

The word lists are Webster's Second International Dictionary (1934) and the GNU Collaborative International
Dictionary of English (GCIDE, from Webster's 1913 and WordNet), both as shipped by the ``english-words`` package;
each misses common words the other has ("cooperation" is only in GCIDE). Loaded once per process.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from functools import lru_cache


@lru_cache(maxsize=1)
def dictionary_words() -> AbstractSet[str]:
    """Lower-case alphabetic English dictionary words (the set the package makes: a copy would cost a cold build
    15 ms more)."""
    from english_words import get_english_words_set

    return get_english_words_set(["web2", "gcide"], lower=True, alpha=True)


def is_dictionary_word(word: str) -> bool:
    """True for an ordinary English word (the lists' brand names, such as Huawei or Hikvision, are not)."""
    return word in dictionary_words()
