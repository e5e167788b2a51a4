"""The UN Security Council Consolidated List, in the UN's own XML schema (``consolidated.xml``).

``CONSOLIDATED_LIST`` holds ``INDIVIDUALS/INDIVIDUAL`` (names in ``FIRST_NAME`` .. ``FOURTH_NAME``)
and ``ENTITIES/ENTITY`` (the name in ``FIRST_NAME``), each with a ``REFERENCE_NUMBER`` such as
``CDi.001`` (the id used here: stable across editions), ``LISTED_ON``, aliases, addresses and
nationality. ``dateGenerated`` on the root is the as-of date.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

from exportguard.lists.countries import iso2
from exportguard.lists.csvsource import read_bytes, sha256
from exportguard.lists.errors import ListFormatError
from exportguard.lists.model import ListSnapshot, ListVersion, Party

SOURCE = "un"
LIST_CODE = "UN"
LIST_NAME = "UN Security Council Consolidated List (UN) - United Nations"
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_ADDRESS_PARTS = ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")


def load(path: str | Path) -> ListSnapshot:
    """Load the UN consolidated XML (optionally gzipped); a malformed file loads nothing."""
    path = Path(path)
    data = read_bytes(path)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ListFormatError(path.name, f"not well-formed XML ({exc})", row=exc.position[0]) from exc
    if root.tag != "CONSOLIDATED_LIST":
        raise ListFormatError(path.name, f"root element is <{root.tag}>, not <CONSOLIDATED_LIST>")
    records = [(element, "Individual") for element in root.iterfind("INDIVIDUALS/INDIVIDUAL")]
    records += [(element, "Entity") for element in root.iterfind("ENTITIES/ENTITY")]
    parties = tuple(_party(element, kind, number, path.name) for number, (element, kind) in enumerate(records, 1))
    if not parties:
        raise ListFormatError(path.name, "no INDIVIDUAL or ENTITY records")
    version = ListVersion(SOURCE, _date(root.get("dateGenerated")), sha256(data), len(parties), path.name)
    return ListSnapshot(version, parties)


def _party(element: ET.Element, kind: str, number: int, file: str) -> Party:
    name = " ".join(" ".join(_text(element, part) for part in _NAME_PARTS).split())
    reference = _text(element, "REFERENCE_NUMBER")
    if not name:
        raise ListFormatError(file, "record has no name", row=number, field="FIRST_NAME")
    if not reference:
        raise ListFormatError(file, "record has no REFERENCE_NUMBER", row=number, field="REFERENCE_NUMBER")
    addresses = tuple(filter(None, (_address(address) for address in element.iter(f"{kind.upper()}_ADDRESS"))))
    countries = [iso2(_text(address, "COUNTRY")) for address in element.iter(f"{kind.upper()}_ADDRESS")]
    countries += [iso2(value.text or "") for value in element.iterfind("NATIONALITY/VALUE")]
    original = _text(element, "NAME_ORIGINAL_SCRIPT")
    aliases = [_text(alias, "ALIAS_NAME") for alias in element.iter(f"{kind.upper()}_ALIAS")]
    return Party(
        list_code=LIST_CODE,
        source_id=reference,
        name=name,
        list_name=LIST_NAME,
        entity_type=kind,
        aliases=tuple(dict.fromkeys(alias for alias in (*aliases, original) if alias)),
        addresses=addresses,
        countries=tuple(dict.fromkeys(code for code in countries if code)),
        programs=(_text(element, "UN_LIST_TYPE"),) if _text(element, "UN_LIST_TYPE") else (),
        start_date=_date(_text(element, "LISTED_ON")),
        remarks=_text(element, "COMMENTS1"),
        raw={"DATAID": _text(element, "DATAID"), "REFERENCE_NUMBER": reference},
    )


def _text(element: ET.Element, tag: str) -> str:
    return " ".join((element.findtext(tag) or "").split())


def _address(address: ET.Element) -> str:
    return ", ".join(part for part in (_text(address, tag) for tag in _ADDRESS_PARTS) if part)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
