"""The trade.gov Consolidated Screening List (``consolidated.csv``), all 13 lists in one file."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from datetime import date
from functools import lru_cache
from pathlib import Path

from exportguard.lists.csvsource import decode, dict_rows, read_bytes, sha256, split_list
from exportguard.lists.errors import ListFormatError
from exportguard.lists.model import FRCitation, ListSnapshot, ListVersion, Party

SOURCE = "csl"
REQUIRED_COLUMNS = ("source", "name", "alt_names", "addresses", "start_date", "federal_register_notice")

# The CSL "source" column spells each list out; the code in parentheses is what users know.
_LIST_CODE = re.compile(r"\(([A-Z][A-Z-]*)(?: List)?\)")
_ISO2_TAIL = re.compile(r",\s*([A-Z]{2})\s*$")
_ALIAS_LEAD = re.compile(r"^(?:and|a\.k\.a\.,?)\s+", re.IGNORECASE)


def load(path: str | Path, skip_lists: Collection[str] = ()) -> ListSnapshot:
    """Load a CSL ``consolidated.csv`` (optionally gzipped); a malformed file loads nothing.

    The rows of lists in ``skip_lists`` (list codes) are passed over: neither made into parties nor checked,
    and not counted in the version's entries (its hash is still the whole file's).
    """
    path = Path(path)
    data = read_bytes(path)
    skip = ("source", lambda source: list_code_of(source) in skip_lists) if skip_lists else None
    rows = dict_rows(decode(data, path.name), path.name, REQUIRED_COLUMNS, skip)
    parties = _distinct(((line, _party(row, line, path.name)) for line, row in rows), path.name)
    if not parties:
        raise ListFormatError(path.name, "file has a header but no entries")
    as_of = max((party.start_date for party in parties if party.start_date), default=None)
    version = ListVersion(SOURCE, as_of, sha256(data), len(parties), path.name)
    return ListSnapshot(version, parties)


def _distinct(rows: Iterable[tuple[int, Party]], file: str) -> tuple[Party, ...]:
    """One party per entry: the CSL repeats some rows verbatim (CAP 15268 in May 2022), which are dropped;
    the same entry id with different content is an error."""
    seen: dict[str, tuple[int, Party]] = {}
    for line, party in rows:
        first = seen.setdefault(party.key, (line, party))
        if first[0] != line and first[1].content_fields() != party.content_fields():
            raise ListFormatError(
                file, f"entry {party.key} appears again with different content (first on row {first[0]})", line, "_id"
            )
    return tuple(party for _, party in seen.values())


def _party(row: dict[str, str], line: int, file: str) -> Party:
    name = " ".join(row["name"].split())
    if not name:
        raise ListFormatError(file, "entry has no name", row=line, field="name")
    list_code = list_code_of(row["source"])
    if list_code is None:
        raise ListFormatError(file, f"unknown list {row['source']!r}", row=line, field="source")
    addresses = split_list(row.get("addresses", ""))
    notice = " ".join(row.get("federal_register_notice", "").split())
    return Party(
        list_code=list_code,
        source_id=row.get("_id") or row.get("entity_number") or f"row{line}",
        name=name,
        list_name=row["source"],
        entity_type=row.get("type", ""),
        aliases=tuple(_clean_alias(alias) for alias in split_list(row.get("alt_names", ""))),
        addresses=addresses,
        countries=_countries(row, addresses),
        programs=split_list(row.get("programs", "")),
        fr_citations=FRCitation.parse_all(notice),
        federal_register_notice=notice,
        start_date=_date(row.get("start_date", ""), file, line, "start_date"),
        end_date=_date(row.get("end_date", ""), file, line, "end_date"),
        license_requirement=" ".join(row.get("license_requirement", "").split()),
        license_policy=" ".join(row.get("license_policy", "").split()),
        remarks=row.get("remarks", ""),
        source_url=row.get("source_list_url", ""),
        raw=row,
    )


@lru_cache(maxsize=256)  # a file spells its dozen lists out on every row
def list_code_of(source: str) -> str | None:
    """The short list code (EL, SDN, DPL, ...) from the CSL's spelled-out source column."""
    match = _LIST_CODE.search(source)
    return match.group(1) if match else None


def _clean_alias(alias: str) -> str:
    return _ALIAS_LEAD.sub("", " ".join(alias.split()))


def _countries(row: dict[str, str], addresses: tuple[str, ...]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for address in addresses:
        match = _ISO2_TAIL.search(address)
        if match:
            found.setdefault(match.group(1), None)
    for column in ("nationalities", "citizenships"):
        for code in split_list(row.get(column, "")):
            if len(code) == 2 and code.isalpha():
                found.setdefault(code.upper(), None)
    return tuple(found)


def _date(value: str, file: str, line: int, field: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ListFormatError(file, f"not an ISO date: {value!r}", row=line, field=field) from None
