"""The lists shipped inside the package, so screening works with no download.

Per list, the newest public file there was when the package was built (see
``src/exportguard/data/PROVENANCE.md``), each with its own as-of date; the trade.gov Consolidated
Screening List of May 2022 only for the lists with nothing newer (UVL, FSE); China's counter-lists
(``cn_sanctions.csv``: Unreliable Entity List, export control lists, counter-measures).
``native_names.csv`` holds Chinese-script names of listed parties (a gazetteer, not a list).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

from exportguard.lists import (
    cn_sanctions,
    csl,
    ecfr_entity_list,
    nsfreg_json,
    ofac_consolidated,
    ofac_parsed,
    un_consolidated,
)
from exportguard.lists.csvsource import sha256
from exportguard.lists.model import POLICY_NOT_IN_SOURCE, ListSnapshot, Party, layered

BUNDLED_CSL = "csl_2022-05.csv.gz"
BUNDLED_COUNTER_LISTS = "cn_sanctions.csv"
NATIVE_NAMES = "native_names.csv"
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class BundledList:
    """One bundled publication: its files, how to read them, as of when, and where it came from."""

    files: tuple[str, ...]
    loader: Callable[..., ListSnapshot]
    as_of: date
    provenance: str


#: Newest first in authority: a list is taken from the first of these that has it. The eCFR Entity List comes
#: first (the 2022 CSL gives it its policies) and the 2022 CSL last (it has only what no newer file has).
BUNDLE = (
    BundledList(("ecfr_entity_list_2026-07.json.gz",), ecfr_entity_list.load, date(2026, 7, 9),
                "eCFR Supp. No. 4 to part 744, July 2026 (phagehunter/nsfreg @ 02787e87)"),
    BundledList(("ofac_sdn_parsed_2026-08-20.csv.gz",), ofac_parsed.load, date(2026, 8, 20),
                "OFAC SDN publication of 2026-08-20 (kindrat86/ofac-sdn-json @ 3186e895; no addresses)"),
    BundledList(("bis_dpl_2026-04.json.gz",), nsfreg_json.load, date(2026, 4, 14),
                "BIS Denied Persons List export of 2026-04-14 (phagehunter/nsfreg @ 02787e87)"),
    BundledList(("bis_meu_2026-07.json.gz",), nsfreg_json.load, date(2026, 7, 9),
                "eCFR Supp. No. 7 to part 744 (MEU), July 2026 (phagehunter/nsfreg @ 02787e87)"),
    BundledList(("ofac_nscmic_2026-07.json.gz",), nsfreg_json.load, date(2026, 7, 9),
                "OFAC NS-CMIC list as downloaded July 2026 (phagehunter/nsfreg @ 02787e87)"),
    BundledList(("state_debarred_statutory_2025-08.json.gz", "state_debarred_admin_2023-06.json.gz"),
                nsfreg_json.load, date(2023, 6, 1),
                "DDTC statutory debarments of 2025-08-25 and administrative ones of 2023-06-01 "
                "(phagehunter/nsfreg @ 02787e87)"),
    BundledList(("state_nonproliferation_2025-05.json.gz",), nsfreg_json.load, date(2025, 5, 1),
                "State Department nonproliferation sanctions table of May 2025 (phagehunter/nsfreg @ 02787e87)"),
    BundledList(("un_consolidated_2026-02.xml.gz",), un_consolidated.load, date(2026, 2, 27),
                "UN Security Council Consolidated List generated 2026-02-27 (moov-io/watchman @ 612b2174)"),
    BundledList(("ofac_cons_2025-12",), ofac_consolidated.load, date(2025, 12, 19),
                "OFAC consolidated non-SDN files of December 2025 (moov-io/watchman @ fca231b0)"),
    BundledList((BUNDLED_COUNTER_LISTS,), cn_sanctions.load, date(2026, 8, 5),
                "China's counter-lists, OpenSanctions cn/sanctions of 2026-08-05 (opensanctions @ f33cff23)"),
    BundledList((BUNDLED_CSL,), csl.load, date(2022, 4, 21),
                "trade.gov Consolidated Screening List of May 2022 (moov-io/watchman @ cb4dc141)"),
)


def data_path(file_name: str) -> Path:
    """Filesystem path of a bundled data file."""
    return Path(str(resources.files("exportguard") / "data" / file_name))


def default_inputs() -> tuple[Path, ...]:
    """Every file :func:`default_snapshot` and its native names are read from (what a cached index is keyed by)."""
    return (*(data_path(name) for bundled in BUNDLE for name in bundled.files), data_path(NATIVE_NAMES))


def reference_inputs() -> tuple[Path, ...]:
    """Every file :func:`matching_reference` and its native names are read from."""
    return tuple(data_path(name) for name in (BUNDLED_CSL, BUNDLED_COUNTER_LISTS, NATIVE_NAMES))


@lru_cache(maxsize=1)
def bundled_csl() -> ListSnapshot:
    """The whole bundled Consolidated Screening List of 2022 (13 lists, 14,160 entries, as of 2022-04-21).

    Tests of matching pin it: its answers do not move when a newer list is bundled.
    """
    return _load(BUNDLE[-1])


@lru_cache(maxsize=1)
def bundled_parts() -> tuple[ListSnapshot, ...]:
    """Every bundled publication as its own version, in :data:`BUNDLE` order (the EL with 2022 policies)."""
    return _with_csl(bundled_csl())


@lru_cache(maxsize=1)
def default_snapshot() -> ListSnapshot:
    """The bundled lists, each from its newest bundled publication: what screening uses out of the box.

    Of the 2022 CSL (the last publication) only the entries this needs are read: the lists no newer
    publication has, and the Entity List's (for its 2022 policies). The rest (12,000 of its 14,160) would
    be parsed only to be superseded; the snapshot is the same as layering every whole publication.
    """
    newer_lists = {party.list_code for bundled in BUNDLE[:-1] for party in _part(bundled).parties}
    skipped = newer_lists - {_part(BUNDLE[0]).parties[0].list_code}
    return layered(_with_csl(_load(BUNDLE[-1], skip_lists=skipped)))


def _with_csl(csl_2022: ListSnapshot) -> tuple[ListSnapshot, ...]:
    """The newer publications (each loaded once per process), the EL with the 2022 CSL's policies, then the CSL."""
    newer = [_part(bundled) for bundled in BUNDLE[:-1]]
    return (with_2022_policies(newer[0], csl_2022), *newer[1:], csl_2022)


@lru_cache(maxsize=len(BUNDLE))
def _part(bundled: BundledList) -> ListSnapshot:
    return _load(bundled)


@lru_cache(maxsize=1)
def parts_in_use() -> tuple[ListSnapshot, ...]:
    """Each bundled part cut to the lists the layered bundle takes from it, as a version of its own.

    These are what a first re-screen records as the versions in force. A cut part gets its own id (the
    file's hash with the lists kept), so loading the whole file later is a new version, not a repeat.
    """
    supplied: dict[str, set[str]] = defaultdict(set)
    for dated in default_snapshot().list_dates():
        supplied[dated.version_id].add(dated.list_code)
    parts = []
    for part in bundled_parts():
        codes = supplied.get(part.version.id, set())
        kept = tuple(party for party in part.parties if party.list_code in codes)
        if not kept:
            continue
        if len(kept) < len(part.parties):
            label = ",".join(sorted(codes))
            version = replace(part.version, content_hash=sha256(f"{part.version.content_hash}:{label}".encode()),
                              party_count=len(kept), file_name=f"{part.version.file_name} ({label})")
            part = replace(part, version=version, parties=kept)
        parts.append(part)
    return tuple(parts)


@lru_cache(maxsize=1)
def matching_reference() -> ListSnapshot:
    """The 2022 CSL and China's counter-lists, as bundled before the newer lists: what matching is measured on."""
    return layered((bundled_csl(), counter_lists_snapshot()))


def counter_lists_snapshot() -> ListSnapshot:
    """China's counter-lists (CN-UEL, CN-ECL, CN-ECWL, CN-CM, CN-TAO; 553 entries from 610 listings, as of 2026-08-05)."""
    return next(part for part in bundled_parts() if part.version.source == cn_sanctions.SOURCE)


def baseline_for(source: str) -> ListSnapshot | None:
    """The bundled version of a source (``csl``, ``sdn``, ``el``, ...): the yardstick of a first load."""
    return next((part for part in bundled_parts() if part.version.source == source), None)


def _load(bundled: BundledList, **options: object) -> ListSnapshot:
    snapshot = bundled.loader(*(data_path(name) for name in bundled.files), **options)
    return replace(snapshot, version=replace(snapshot.version, as_of=bundled.as_of), provenance=bundled.provenance)


def with_2022_policies(entity_list: ListSnapshot, csl_2022: ListSnapshot) -> ListSnapshot:
    """The eCFR Entity List with the license texts it lacks taken from the 2022 CSL entry of the same name.

    The eCFR extract cut the license requirement to 200 characters and dropped the review policy. Where
    the entry was on the list in 2022 (same name and country), the 2022 CSL gives the whole requirement
    (when it begins with the extract's text) and the review policy; otherwise the policy reads
    :data:`POLICY_NOT_IN_SOURCE`, which the determination reports rather than guessing a policy.
    """
    earlier: dict[str, list[Party]] = defaultdict(list)
    for party in csl_2022.parties:
        if party.list_code == entity_list.parties[0].list_code:
            earlier[_name_key(party.name)].append(party)
    parties = tuple(_with_policy(party, earlier.get(_name_key(party.name), [])) for party in entity_list.parties)
    return replace(entity_list, parties=parties)


def _with_policy(party: Party, candidates: list[Party]) -> Party:
    same_country = [old for old in candidates if set(old.countries) & set(party.countries)]
    old = next(iter(same_country or candidates), None)
    if old is None or not old.license_policy:
        return replace(party, license_policy=POLICY_NOT_IN_SOURCE)
    requirement = party.license_requirement
    if old.license_requirement.startswith(requirement.rstrip(". ")[:150]):
        requirement = old.license_requirement
    return replace(party, license_requirement=requirement, license_policy=old.license_policy,
                   start_date=old.start_date or party.start_date)


def _name_key(name: str) -> str:
    return _NOT_WORD.sub(" ", name.casefold()).strip()
