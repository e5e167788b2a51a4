"""Request models shared by the application and license routes, with their input limits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from exportguard.api.limits import MAX_LIST_ITEMS, MAX_TEXT, PRINTABLE

Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT, pattern=PRINTABLE)]
LongText = Annotated[str, Field(max_length=2000, pattern=PRINTABLE)]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2, e.g. CN")]
Money = Annotated[Decimal, Field(ge=0, le=10**12, max_digits=15, decimal_places=2, description="US dollars")]
Quantity = Annotated[int, Field(ge=1, le=10**12)]
#: Dates the records can sensibly carry (keeps 4-year validity arithmetic inside the calendar).
Day = Annotated[date, Field(ge=date(1950, 1, 1), le=date(2100, 12, 31))]
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: Party roles on a BIS-748P (15 CFR 748.5).
PartyRole = Literal[
    "applicant", "other_party", "purchaser", "intermediate_consignee", "ultimate_consignee", "end_user"
]


class Strict(BaseModel):
    """Rejects unknown fields so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")


class PartyIn(Strict):
    """A party to the transaction, in one of the BIS-748P roles."""

    role: PartyRole
    name: Text
    country: Country


class ItemIn(Strict):
    """One line item: classification, description, quantity and value."""

    eccn: Annotated[str, Field(pattern=r"^(EAR99|[0-9][A-E][0-9]{3}[A-Za-z0-9.]{0,14})$")]
    description: Text
    quantity: Quantity
    unit: Annotated[str, Field(min_length=1, max_length=20, pattern=PRINTABLE)] = "units"
    value: Money


Parties = Annotated[list[PartyIn], Field(min_length=1, max_length=MAX_LIST_ITEMS)]
Items = Annotated[list[ItemIn], Field(min_length=1, max_length=MAX_LIST_ITEMS)]
Riders = Annotated[list[Text], Field(max_length=MAX_LIST_ITEMS)]


def cents(amount: Decimal) -> int:
    """Whole cents of a dollar amount validated to two decimal places."""
    return int(amount * 100)
