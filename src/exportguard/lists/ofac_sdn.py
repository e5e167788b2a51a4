"""OFAC's Specially Designated Nationals list in its raw, headerless CSV format.

``sdn.csv`` holds one row per entry; the optional ``alt.csv`` (aliases) and ``add.csv`` (addresses)
in the same directory are joined in by ``ent_num``. OFAC writes ``-0-`` for an empty cell and ends
each file with a ``\\x1a`` (DOS end-of-file) row.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

from exportguard.lists.countries import iso2
from exportguard.lists.csvsource import decode, read_bytes, records, sha256, split_list
from exportguard.lists.errors import ListFormatError
from exportguard.lists.model import ListSnapshot, ListVersion, Party

SOURCE = "sdn"
LIST_CODE = "SDN"
LIST_NAME = "Specially Designated Nationals (SDN) - Treasury Department"
SDN_COLUMNS = ("ent_num", "name", "type", "program", "title", "call_sign", "vess_type", "tonnage", "grt",
               "vess_flag", "vess_owner", "remarks")
ALT_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
ADD_COLUMNS = ("ent_num", "add_num", "address", "city", "country", "add_remarks")
EMPTY = "-0-"
# OFAC has published these files as Windows-1252 text; UTF-8 is tried first.
ENCODINGS = ("utf-8-sig", "cp1252")


def load(path: str | Path) -> ListSnapshot:
    """Load ``sdn.csv`` (or a directory holding it), joining ``alt.csv``/``add.csv`` beside it if present."""
    sdn_path = _sdn_path(Path(path))
    data = read_bytes(sdn_path)
    aliases = _joined(_beside(sdn_path, "alt.csv"), ALT_COLUMNS, _alias)
    addresses = _joined(_beside(sdn_path, "add.csv"), ADD_COLUMNS, _address)
    parties = tuple(
        _party(row, line, aliases.get(row["ent_num"], []), addresses.get(row["ent_num"], []))
        for line, row in rows(data, sdn_path.name, SDN_COLUMNS)
    )
    if not parties:
        raise ListFormatError(sdn_path.name, "file has no entries")
    digest = sha256(data + b"".join(_side_bytes(sdn_path)))
    return ListSnapshot(ListVersion(SOURCE, None, digest, len(parties), sdn_path.name), parties)


def rows(data: bytes, file: str, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a headerless OFAC file as (line, row), ``-0-`` read as empty, ragged rows refused."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ListFormatError(file, "NUL bytes: not valid UTF-8 or Windows-1252 text (UTF-16?)", row=line)
    reader = csv.reader(io.StringIO(decode(data, file, ENCODINGS), newline=""), strict=True)
    for line, values in records(reader, file):
        if values[0].strip() == "\x1a":  # the DOS end-of-file mark OFAC files end with
            continue
        if len(values) != len(columns):
            raise ListFormatError(file, f"expected {len(columns)} fields, found {len(values)}", row=line)
        row = {column: _cell(value) for column, value in zip(columns, values, strict=True)}
        if not row["ent_num"].isdigit():
            raise ListFormatError(file, f"ent_num is not a number: {row['ent_num']!r}", line, "ent_num")
        yield line, row


def _sdn_path(path: Path) -> Path:
    if path.is_dir():
        path = path / "sdn.csv" if (path / "sdn.csv").is_file() else path / "sdn.csv.gz"
    if not path.is_file():
        raise ListFormatError(path.name, "file not found")
    return path


def _beside(sdn_path: Path, name: str) -> Path:
    """The companion file next to sdn.csv, gzipped (``alt.csv.gz``) when sdn.csv is."""
    return sdn_path.with_name(name + ".gz" if sdn_path.suffix == ".gz" else name)


def _side_bytes(sdn_path: Path) -> Iterator[bytes]:
    for name in ("alt.csv", "add.csv"):
        side = _beside(sdn_path, name)
        if side.is_file():
            yield read_bytes(side)


def _joined(path: Path, columns: tuple[str, ...], pick: Callable[[dict[str, str]], str]) -> dict[str, list[str]]:
    by_entry: dict[str, list[str]] = defaultdict(list)
    if path.is_file():
        for _line, row in rows(read_bytes(path), path.name, columns):
            value = pick(row)
            if value:
                by_entry[row["ent_num"]].append(value)
    return by_entry


def _alias(row: dict[str, str]) -> str:
    return row["alt_name"]


def _address(row: dict[str, str]) -> str:
    return ", ".join(part for part in (row["address"], row["city"], row["country"]) if part)


def _cell(value: str) -> str:
    value = " ".join(value.split())
    return "" if value == EMPTY else value


def _party(row: dict[str, str], line: int, aliases: list[str], addresses: list[str]) -> Party:
    if not row["name"]:
        raise ListFormatError("sdn.csv", "entry has no name", row=line, field="name")
    return Party(
        list_code=LIST_CODE,
        source_id=row["ent_num"],
        name=row["name"],
        list_name=LIST_NAME,
        entity_type=row["type"] or "entity",
        aliases=tuple(dict.fromkeys(aliases)),
        addresses=tuple(addresses),
        countries=_countries(addresses),
        programs=split_list(row["program"].replace("] [", ";").strip("[]")),
        remarks=row["remarks"],
        raw=row,
    )


def _countries(addresses: list[str]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for address in addresses:
        code = iso2(address.rsplit(", ", 1)[-1])
        if code:
            found.setdefault(code, None)
    return tuple(found)
