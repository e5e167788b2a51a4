"""Errors raised by list loaders: each names the file, row and field at fault."""

from __future__ import annotations


class ListFormatError(ValueError):
    """A list file that cannot be loaded as a whole; nothing from it is used."""

    def __init__(self, file: str, message: str, row: int | None = None, field: str | None = None):
        self.file = file
        self.row = row
        self.field = field
        where = file
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")
