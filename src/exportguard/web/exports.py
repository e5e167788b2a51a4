"""CSV downloads of what the console shows: results, queues, determinations, histories and list diffs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from starlette.responses import Response

#: A cell starting with one of these is a formula to a spreadsheet; list data is not trusted that far.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    """The rows as CSV with a header; text that a spreadsheet would run as a formula is quoted with ``'``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _safe(value) for key, value in row.items()})
    return out.getvalue()


def csv_response(file_name: str, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> Response:
    """A CSV download named ``file_name``."""
    return Response(csv_text(columns, rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{file_name}"',
                             "X-Content-Type-Options": "nosniff"})


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return value
