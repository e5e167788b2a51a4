"""The lists shipped inside the package, so screening works with no download.

* ``csl_2022-05.csv.gz`` -- the trade.gov Consolidated Screening List of early May 2022.
* ``cn_sanctions.csv`` -- China's counter-lists (Unreliable Entity List, export control lists, counter-measures).
* ``native_names.csv`` -- Chinese-script names of listed parties (a gazetteer, not a list).

See ``src/exportguard/data/PROVENANCE.md`` for where each file came from.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import lru_cache
from importlib import resources
from pathlib import Path

from exportguard.lists import cn_sanctions, csl
from exportguard.lists.model import COMBINED, ListSnapshot, ListVersion
from exportguard.matching.index import AFFILIATE, ALIAS, PRIMARY, name_variants
from exportguard.matching.normalize import normalize

BUNDLED_CSL = "csl_2022-05.csv.gz"
BUNDLED_COUNTER_LISTS = "cn_sanctions.csv"
NATIVE_NAMES = "native_names.csv"
_MATCHABLE_KINDS = (PRIMARY, ALIAS, AFFILIATE)


def data_path(file_name: str) -> Path:
    """Filesystem path of a bundled data file."""
    return Path(str(resources.files("exportguard") / "data" / file_name))


@lru_cache(maxsize=1)
def default_snapshot() -> ListSnapshot:
    """The bundled Consolidated Screening List (13 lists, 14,160 entries, as of 2022-04-21)."""
    return csl.load(data_path(BUNDLED_CSL))


@lru_cache(maxsize=1)
def counter_lists_snapshot() -> ListSnapshot:
    """China's counter-lists (CN-UEL, CN-ECL, CN-ECWL, CN-CM, CN-TAO; 553 entries from 610 listings, as of 2026-08-05)."""
    return cn_sanctions.load(data_path(BUNDLED_COUNTER_LISTS))


def bundled_snapshots() -> tuple[ListSnapshot, ...]:
    """Every bundled list source, each its own version: the CSL and China's counter-lists."""
    return (default_snapshot(), counter_lists_snapshot())


@lru_cache(maxsize=1)
def screening_snapshot() -> ListSnapshot:
    """All bundled lists as one snapshot, named after its parts: what screening uses with no list loaded."""
    parts = bundled_snapshots()
    parties = tuple(party for part in parts for party in part.parties)
    ids = "+".join(sorted(part.version.id for part in parts))
    return ListSnapshot(ListVersion(COMBINED, None, ids, len(parties), ids), parties)


def native_names_for(snapshot: ListSnapshot) -> dict[str, list[str]]:
    """Chinese-script names from the gazetteer for each party whose English name or alias they were published under."""
    gazetteer = _gazetteer()
    found: dict[str, list[str]] = defaultdict(list)
    for party in snapshot.parties:
        for spelling, kind in name_variants(party):
            if kind not in _MATCHABLE_KINDS:
                continue
            for native in gazetteer.get(_key(spelling), ()):
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
