"""Section 301 (China) exposure of an HTS code on a date: the list, the heading, the rate and its notice."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from exportguard.tariffs import HtsCodeError, UnknownHtsCode, exposure
from exportguard.web import session
from exportguard.web.templating import render

router = APIRouter()

Text = Annotated[str, Query(max_length=20)]


@router.get("/tariffs")
def tariff_page(request: Request, hts: Text = "", as_of: Text = "", value: Text = "", origin: Text = "CN") -> Response:
    """The lookup form and, for a code, its answer on the date with the rates over time."""
    user = session.require(request)
    context: dict[str, Any] = {"hts": hts, "as_of": as_of or date.today().isoformat(), "value": value,
                               "origin": origin.upper()}
    if not hts.strip():
        return render(request, "tariffs.html", user, **context)
    try:
        day = date.fromisoformat(context["as_of"])
    except ValueError:
        error = f"entry date {context['as_of']!r} is not an ISO date such as 2019-12-15"
        return render(request, "tariffs.html", user, status=422, error=error, **context)
    try:
        answer = exposure(hts, day, origin=context["origin"], value=value.strip() or None)
    except (HtsCodeError, UnknownHtsCode, ValueError) as error:
        return render(request, "tariffs.html", user, status=422, error=str(error), **context)
    return render(request, "tariffs.html", user, answer=answer, **context)
