"""U.S. lists in the shared JSON schema of ``phagehunter/nsfreg`` (parsed from the official publications).

One document per list: ``{list_id, source_file, extracted, count, entities: [{name, aliases, country,
address, status, effective_date, federal_register, notes}]}``. This module reads the lists that schema
carries besides the Entity List (which :mod:`exportguard.lists.ecfr_entity_list` reads, with its notes):
the BIS Denied Persons and Military End-User lists, OFAC's NS-CMIC list and the State Department's
ITAR debarment and nonproliferation sanctions lists. The schema keeps no license requirement or review
policy column, and no entry numbers (an entry's id is a hash of country and name, as for the eCFR EL).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from exportguard.lists.countries import iso2
from exportguard.lists.csvsource import decode, read_bytes, sha256
from exportguard.lists.ecfr_entity_list import entity_name, numbered_duplicates, raw_record, stable_id
from exportguard.lists.errors import ListFormatError
from exportguard.lists.model import FRCitation, ListSnapshot, ListVersion, Party

REQUIRED_FIELDS = ("name", "aliases", "country", "address", "effective_date", "federal_register", "notes")


@dataclass(frozen=True)
class NsfregList:
    """How one ``list_id`` of the schema maps onto the list codes users know (as in the CSL)."""

    source: str
    list_code: str
    list_name: str


#: ``list_id`` -> the list it is. Two State Department files make up the ITAR debarred list (DTC).
LISTS = {
    "bis-dpl": NsfregList("dpl", "DPL", "Denied Persons List (DPL) - Bureau of Industry and Security"),
    "bis-meu": NsfregList("meu", "MEU", "Military End User (MEU) List - Bureau of Industry and Security"),
    "ofac-nscmic": NsfregList(
        "cmic", "CMIC", "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department"),
    "state-debarred-statutory": NsfregList("dtc", "DTC", "ITAR Debarred (DTC) - State Department"),
    "state-debarred-admin": NsfregList("dtc", "DTC", "ITAR Debarred (DTC) - State Department"),
    "state-nonproliferation": NsfregList("isn", "ISN", "Nonproliferation Sanctions (ISN) - State Department"),
}


def load(*paths: str | Path) -> ListSnapshot:
    """Load one or more documents of the same list (DTC comes as two files); a malformed file loads nothing."""
    if not paths:
        raise ValueError("no file given")
    parties: list[Party] = []
    data = b""
    kinds: set[NsfregList] = set()
    extracted: list[date] = []
    for path in map(Path, paths):
        raw = read_bytes(path)
        document = _document(decode(raw, path.name), path.name)
        kind = _kind(document, path.name)
        kinds.add(kind)
        entities = document.get("entities")
        if not isinstance(entities, list) or not entities:
            raise ListFormatError(path.name, "no 'entities' array with entries", field="entities")
        parties += [_party(entity, number, path.name, kind) for number, entity in enumerate(entities, start=1)]
        data += raw
        extracted += _date(document.get("extracted"))
    sources = {kind.source for kind in kinds}
    if len(sources) != 1:
        raise ListFormatError(Path(paths[0]).name, f"files of different lists given together: {sorted(sources)}")
    unique = numbered_duplicates(tuple(parties))
    # The schema's ``extracted`` is when the publication was parsed: the latest the list can be as of.
    version = ListVersion(sources.pop(), min(extracted) if extracted else None, sha256(data), len(unique),
                          "+".join(Path(path).name for path in paths))
    return ListSnapshot(version, unique)


def _document(text: str, file: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ListFormatError(file, f"not valid JSON ({exc.msg})", row=exc.lineno) from exc
    if not isinstance(document, dict):
        raise ListFormatError(file, "top level is not a JSON object")
    return document


def _kind(document: dict[str, Any], file: str) -> NsfregList:
    kind = LISTS.get(str(document.get("list_id")))
    if kind is None:
        raise ListFormatError(file, f"unknown list_id {document.get('list_id')!r}; known: {', '.join(LISTS)}",
                              field="list_id")
    return kind


def _party(entity: Any, number: int, file: str, kind: NsfregList) -> Party:
    name = entity_name(entity, number, file, REQUIRED_FIELDS)
    notice = " ".join(str(entity["federal_register"] or "").split())
    country = str(entity["country"] or "")
    code = iso2(country)
    started = _date(entity["effective_date"])
    return Party(
        list_code=kind.list_code,
        source_id=stable_id(country, name),
        name=name,
        list_name=kind.list_name,
        aliases=tuple(" ".join(str(alias).split()) for alias in entity["aliases"] or ()),
        addresses=(str(entity["address"]),) if entity["address"] else (),
        countries=(code,) if code else (),
        fr_citations=FRCitation.parse_all(notice),
        federal_register_notice=notice,
        start_date=started[0] if started else None,
        remarks=" ".join(str(entity["notes"] or "").split()),
        raw=raw_record(entity),
    )


def _date(value: object) -> list[date]:
    try:
        return [date.fromisoformat(str(value)[:10])] if value else []
    except ValueError:
        return []
