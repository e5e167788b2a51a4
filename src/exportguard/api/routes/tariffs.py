"""``/tariffs/{hts}``: Section 301 (China) duty exposure of an HTS code as of a date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam

from exportguard.api.auth import Caller
from exportguard.api.errors import ApiError
from exportguard.tariffs import HtsCodeError, UnknownHtsCode, exposure

router = APIRouter(tags=["tariffs"])
Hts = Annotated[str, PathParam(min_length=8, max_length=13, pattern=r"^[0-9.]+$",
                               description="8 or 10 digits, dotted or not: 8517.12.00, 8517120050")]


@router.get("/tariffs/{hts}", summary="Section 301 list, chapter 99 heading and additional duty on a date")
def tariff(
    hts: Hts,
    _caller: Caller,
    as_of: Annotated[date | None, Query(description="Entry date (default: today)")] = None,
    value: Annotated[Decimal | None, Query(ge=0, le=10**12, description="Customs value in USD")] = None,
    origin: Annotated[str, Query(pattern=r"^[A-Za-z]{2}$", description="Country of origin, ISO-2")] = "CN",
) -> dict[str, Any]:
    """The answer with the notice that set the rate and its caveats; product exclusions are not modelled.
    A code the Section 301 data does not hold is a 404, never an answer of "no tariff"."""
    try:
        return exposure(hts, as_of or date.today(), origin=origin, value=value).to_dict()
    except HtsCodeError as error:
        raise ApiError(422, "invalid_hts", str(error)) from error
    except UnknownHtsCode as error:
        raise ApiError(404, "unknown_hts", str(error)) from error
    except ValueError as error:
        raise ApiError(422, "invalid_value", str(error)) from error
