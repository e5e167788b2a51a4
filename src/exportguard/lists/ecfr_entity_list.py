"""The BIS Entity List (Supplement No. 4 to part 744) as parsed from the eCFR into JSON.

The source is ``bis_entity_list.json`` (eCFR text of July 2026): one object per entry with ``name``,
``aliases``, ``country``, ``address``, ``federal_register`` and ``notes``. ``notes`` holds the license
requirement column, **cut to 200 characters** by the parser that produced the file; the license review
policy column is not in this source at all, so ``license_policy`` stays empty. An entry's start date is
the earliest date in its Federal Register column (the notice that listed it).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from exportguard.lists.countries import iso2
from exportguard.lists.csvsource import decode, read_bytes, sha256
from exportguard.lists.errors import ListFormatError
from exportguard.lists.model import FRCitation, ListSnapshot, ListVersion, Party

SOURCE = "el"
LIST_CODE = "EL"
LIST_NAME = "Entity List (EL) - Bureau of Industry and Security"
REQUIRED_FIELDS = ("name", "aliases", "country", "address", "federal_register", "notes")
_NOTICE_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b")
#: The source parser truncated the license requirement to this many characters.
NOTES_LIMIT = 200


def load(path: str | Path) -> ListSnapshot:
    """Load ``bis_entity_list.json``; a malformed file loads nothing."""
    path = Path(path)
    data = read_bytes(path)
    document = _document(decode(data, path.name), path.name)
    entities = document.get("entities")
    if not isinstance(entities, list) or not entities:
        raise ListFormatError(path.name, "no 'entities' array with entries", field="entities")
    parties = numbered_duplicates(
        tuple(_party(entity, number, path.name) for number, entity in enumerate(entities, start=1)))
    version = ListVersion(SOURCE, _extracted(document), sha256(data), len(parties), path.name)
    return ListSnapshot(version, parties)


def _extracted(document: dict[str, Any]) -> date | None:
    """When the eCFR text was taken: the date the list is as of."""
    try:
        return date.fromisoformat(str(document.get("extracted"))[:10])
    except ValueError:
        return None


def _document(text: str, file: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ListFormatError(file, f"not valid JSON ({exc.msg})", row=exc.lineno) from exc
    if not isinstance(document, dict):
        raise ListFormatError(file, "top level is not a JSON object")
    return document


def entity_name(entity: object, number: int, file: str, required: tuple[str, ...]) -> str:
    """The entry's name with its white space folded, once the entry is an object holding every required field."""
    if not isinstance(entity, dict):
        raise ListFormatError(file, "entry is not a JSON object", row=number)
    for field in required:
        if field not in entity:
            raise ListFormatError(file, "entry lacks a required field", row=number, field=field)
    name = " ".join(str(entity["name"] or "").split())
    if not name:
        raise ListFormatError(file, "entry has no name", row=number, field="name")
    return name


def _party(entity: Any, number: int, file: str) -> Party:
    name = entity_name(entity, number, file, REQUIRED_FIELDS)
    notice = " ".join(str(entity["federal_register"] or "").split())
    country = str(entity["country"] or "")
    code = iso2(country)
    return Party(
        list_code=LIST_CODE,
        source_id=stable_id(country, name),
        name=name,
        list_name=LIST_NAME,
        aliases=tuple(" ".join(str(alias).split()) for alias in entity["aliases"] or ()),
        addresses=(entity["address"],) if entity["address"] else (),
        countries=(code,) if code else (),
        fr_citations=FRCitation.parse_all(notice),
        federal_register_notice=notice,
        license_requirement=" ".join(str(entity["notes"] or "").split()),
        start_date=first_notice_date(notice),
        raw=raw_record(entity),
    )


#: ``json.dumps`` with its default options, without its per-call check of them (called for every field of
#: every entry of the bundled JSON lists).
_AS_JSON = json.JSONEncoder().encode


def raw_record(entity: dict[str, Any]) -> dict[str, str]:
    """The source record kept with a party: each field as JSON text."""
    return {key: _AS_JSON(value) for key, value in entity.items()}


def first_notice_date(notice: str) -> date | None:
    """The earliest date in the Federal Register column ("87 FR 77508, 12/19/22"): when the entry was listed."""
    found = []
    for month, day, year in _NOTICE_DATE.findall(notice):
        full_year = int(year) + (2000 if len(year) == 2 and int(year) < 70 else 1900 if len(year) == 2 else 0)
        try:
            found.append(date(full_year, int(month), int(day)))
        except ValueError:
            continue
    return min(found, default=None)


def stable_id(country: str, name: str) -> str:
    """The source has no entry numbers; country and name identify an entry across versions."""
    return hashlib.sha256(f"{country.casefold()}|{name.casefold()}".encode()).hexdigest()[:16]


def numbered_duplicates(parties: tuple[Party, ...]) -> tuple[Party, ...]:
    """Number repeated country+name entries (-2, -3, ...) so every key stays distinct."""
    seen: dict[str, int] = {}
    unique = []
    for party in parties:
        seen[party.source_id] = seen.get(party.source_id, 0) + 1
        count = seen[party.source_id]
        unique.append(party if count == 1 else replace(party, source_id=f"{party.source_id}-{count}"))
    return tuple(unique)
