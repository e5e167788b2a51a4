"""Geometry of the TGL window timeline: the window and the transaction date placed on one axis."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

WIDTH = 600
MARGIN_DAYS = 30


def tgl_timeline(start: date, end: date, as_of: date) -> dict[str, Any]:
    """Positions (0..WIDTH) of the window and of ``as_of``, on an axis padded a month either side."""
    first = min(start, as_of) - timedelta(days=MARGIN_DAYS)
    last = max(end, as_of) + timedelta(days=MARGIN_DAYS)
    span = (last - first).days

    def x(day: date) -> int:
        return round((day - first).days * WIDTH / span)

    return {"start": start, "end": end, "as_of": as_of, "inside": start <= as_of <= end, "width": WIDTH,
            "x_start": x(start), "x_end": x(end), "x_as_of": x(as_of), "axis_from": first, "axis_to": last}
