"""OFAC's Specially Designated Nationals list in its raw, headerless CSV format.

``sdn.csv`` holds one row per entry; ``alt.csv`` (aliases) and ``add.csv`` (addresses) in the same
directory are joined in by ``ent_num``, and so is ``sdn_comments.csv`` (remarks too long for sdn.csv)
when present. Without ``alt.csv`` and ``add.csv`` every entry would lose its aliases and addresses, so
such a partial set is refused unless the caller allows it. OFAC writes ``-0-`` for an empty cell and ends
each file with a ``\\x1a`` (DOS end-of-file) row.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
COMMENT_COLUMNS = ("ent_num", "remarks")
EMPTY = "-0-"
# OFAC has published these files as Windows-1252 text; UTF-8 is tried first.
ENCODINGS = ("utf-8-sig", "cp1252")


@dataclass(frozen=True)
class FileSet:
    """The names of one OFAC publication's files: main entries, aliases, addresses, remark continuations."""

    main: str
    aliases: str
    addresses: str
    comments: str

    @property
    def companions(self) -> tuple[str, str]:
        return (self.aliases, self.addresses)


SDN_FILES = FileSet("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")


def load(path: str | Path, allow_partial: bool = False) -> ListSnapshot:
    """Load ``sdn.csv`` (or a directory holding it) with ``alt.csv``/``add.csv`` beside it.

    A set missing either companion is refused (:class:`ListFormatError`) unless ``allow_partial``.
    """
    return load_set(path, SDN_FILES, lambda _row: (LIST_CODE, LIST_NAME), SOURCE, allow_partial)


def load_set(path: str | Path, files: FileSet, list_of: Callable[[dict[str, str]], tuple[str, str]], source: str,
             allow_partial: bool = False) -> ListSnapshot:
    """Load one OFAC publication in the raw format; ``list_of`` names the list (code, name) of a main row."""
    main_path = _main_path(Path(path), files.main)
    missing = [name for name in files.companions if not _beside(main_path, name).is_file()]
    if missing and not allow_partial:
        raise ListFormatError(main_path.name, f"partial OFAC file set: {' and '.join(missing)} not beside it; every "
                              "entry would lose its aliases or addresses (allow a partial set explicitly)")
    data = read_bytes(main_path)
    aliases = _joined(_beside(main_path, files.aliases), ALT_COLUMNS, _alias)
    addresses = _joined(_beside(main_path, files.addresses), ADD_COLUMNS, _address)
    comments = _joined(_beside(main_path, files.comments), COMMENT_COLUMNS, _comment)
    parties = tuple(
        _party(row, line, list_of(row), aliases.get(row["ent_num"], []), addresses.get(row["ent_num"], []),
               comments.get(row["ent_num"], []))
        for line, row in rows(data, main_path.name, SDN_COLUMNS)
    )
    if not parties:
        raise ListFormatError(main_path.name, "file has no entries")
    sides = (files.aliases, files.addresses, files.comments)
    digest = sha256(data + b"".join(read_bytes(_beside(main_path, name)) for name in sides
                                    if _beside(main_path, name).is_file()))
    return ListSnapshot(ListVersion(source, None, digest, len(parties), main_path.name), parties)


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


def _main_path(path: Path, name: str) -> Path:
    if path.is_dir():
        path = path / name if (path / name).is_file() else path / f"{name}.gz"
    if not path.is_file():
        raise ListFormatError(path.name, "file not found")
    return path


def _beside(sdn_path: Path, name: str) -> Path:
    """The companion file next to sdn.csv, gzipped (``alt.csv.gz``) when sdn.csv is."""
    return sdn_path.with_name(name + ".gz" if sdn_path.suffix == ".gz" else name)


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


def _comment(row: dict[str, str]) -> str:
    return row["remarks"]


def _address(row: dict[str, str]) -> str:
    return ", ".join(part for part in (row["address"], row["city"], row["country"]) if part)


def _cell(value: str) -> str:
    value = " ".join(value.split())
    return "" if value == EMPTY else value


def _party(row: dict[str, str], line: int, listed_on: tuple[str, str], aliases: list[str], addresses: list[str],
           comments: list[str]) -> Party:
    if not row["name"]:
        raise ListFormatError("sdn.csv", "entry has no name", row=line, field="name")
    return Party(
        list_code=listed_on[0],
        source_id=row["ent_num"],
        name=row["name"],
        list_name=listed_on[1],
        entity_type=row["type"] or "entity",
        aliases=tuple(dict.fromkeys(aliases)),
        addresses=tuple(addresses),
        countries=_countries(addresses),
        programs=split_list(row["program"].replace("] [", ";").strip("[]")),
        remarks=row["remarks"] + "".join(comments),  # a continuation resumes mid-word
        raw=row,
    )


def _countries(addresses: list[str]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for address in addresses:
        code = iso2(address.rsplit(", ", 1)[-1])
        if code:
            found.setdefault(code, None)
    return tuple(found)
