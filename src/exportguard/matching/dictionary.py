"""Ordinary English words: a listed name resting on one of them alone ("Vista", "Apex") is weak evidence.

The word lists are Webster's Second International Dictionary (1934) and the GNU Collaborative International
Dictionary of English (GCIDE, from Webster's 1913 and WordNet), both as shipped by the ``english-words`` package;
each misses common words the other has ("cooperation" is only in GCIDE). Loaded once per process.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """Lower-case alphabetic English dictionary words."""
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2", "gcide"], lower=True, alpha=True))


def is_dictionary_word(word: str) -> bool:
    """True for an ordinary English word (the lists' brand names, such as Huawei or Hikvision, are not)."""
    return word in dictionary_words()
