"""Shared reading of delimited list files: encoding checks, required columns, row errors."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path

from exportguard.lists.errors import ListFormatError

csv.field_size_limit(10_000_000)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, un-gzipped when the name ends in .gz."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        try:
            return gzip.decompress(data)
        except OSError as exc:
            raise ListFormatError(path.name, f"not a valid gzip file ({exc})") from exc
    return data


def sha256(data: bytes) -> str:
    """Content hash that identifies a list version."""
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, file: str, encodings: tuple[str, ...] = ("utf-8-sig",)) -> str:
    """Text of the file in the first encoding that fits, else an error naming the byte offset."""
    error: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            error = exc
    assert error is not None
    line = data[: error.start].count(b"\n") + 1
    raise ListFormatError(file, f"not valid {encodings[0]} text at byte {error.start}", row=line)


#: A column and what tells, from its value, that a row is passed over.
Skip = tuple[str, Callable[[str], bool]]


def dict_rows(text: str, file: str, required: tuple[str, ...],
              skip: Skip | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a headed CSV as (line number, row) pairs, refusing missing columns and ragged rows; ``skip``'s
    rows (by the value of a required column) are passed over before they are made into a dict."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ListFormatError(file, "file is empty") from None
    except csv.Error as exc:
        raise ListFormatError(file, f"broken CSV header ({exc})", row=1) from exc
    missing = [column for column in required if column not in header]
    if missing:
        raise ListFormatError(file, f"missing required column(s): {', '.join(missing)}", row=1)
    yield from _checked_rows(reader, header, file, skip)


def records(reader: Iterator[list[str]], file: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records of a CSV reader as (line number, values); broken quoting names its line."""
    try:
        for values in reader:
            if values and values != [""]:
                yield _line(reader), values
    except csv.Error as exc:
        raise ListFormatError(file, f"broken CSV quoting ({exc})", row=_line(reader)) from exc


def _checked_rows(reader: Iterator[list[str]], header: list[str], file: str,
                  skip: Skip | None) -> Iterator[tuple[int, dict[str, str]]]:
    width = len(header)
    column, skipped = (header.index(skip[0]), skip[1]) if skip else (0, None)
    for line, values in records(reader, file):
        if len(values) != width:
            raise ListFormatError(file, f"expected {width} fields, found {len(values)}", row=line)
        if skipped is not None and skipped(values[column]):
            continue
        if values != header:  # a header repeated inside the file is skipped
            yield line, dict(zip(header, values, strict=True))


def split_list(value: str, separator: str = ";") -> tuple[str, ...]:
    """A separated cell as a tuple of trimmed, non-empty parts."""
    return tuple(filter(None, map(str.strip, value.split(separator)))) if value else ()


def _line(reader: object) -> int:
    return int(getattr(reader, "line_num", 0))
