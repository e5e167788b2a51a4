"""The native-script names of listed parties, from the bundled gazetteer (``native_names.csv``: Chinese-script
names and the English names they were published under).

A party's name or alias finds its native names by the words the normaliser makes of it, so this belongs to
matching, above the lists that only read the file.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import lru_cache

from exportguard.lists import csl
from exportguard.lists.bundled import NATIVE_NAMES, data_path
from exportguard.lists.model import ListSnapshot
from exportguard.matching.index import AFFILIATE, ALIAS, PRIMARY, name_variants
from exportguard.matching.normalize import normalize

_MATCHABLE_KINDS = (PRIMARY, ALIAS, AFFILIATE)


def native_names_for(snapshot: ListSnapshot) -> dict[str, list[str]]:
    """Chinese-script names from the gazetteer for each party whose English name or alias they were published under."""
    gazetteer = _gazetteer()
    # A spelling with a word no gazetteer name has cannot be one of them: most spellings, told without a lookup.
    gazetteer_words = frozenset().union(*gazetteer)
    found: dict[str, list[str]] = defaultdict(list)
    for party in snapshot.parties:
        for spelling, kind in name_variants(party):
            if kind not in _MATCHABLE_KINDS:
                continue
            tokens = normalize(spelling).tokens
            if not gazetteer_words.issuperset(tokens):
                continue
            for native in gazetteer.get(frozenset(tokens), ()):
                if native not in found[party.key]:
                    found[party.key].append(native)
    return dict(found)


@lru_cache(maxsize=1)
def _gazetteer() -> dict[frozenset[str], list[str]]:
    table: dict[frozenset[str], list[str]] = defaultdict(list)
    with data_path(NATIVE_NAMES).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            party_like = csl.Party(list_code="", source_id="", name=row["english"])
            for spelling, _kind in name_variants(party_like):
                table[_key(spelling)].append(row["native"])
    return dict(table)


def _key(name: str) -> frozenset[str]:
    return frozenset(normalize(name).tokens)
