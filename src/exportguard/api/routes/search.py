"""``GET /search``: the trade.gov Consolidated Screening List API's search, for integrators that already call it.

Same query parameters (``name``, ``fuzzy_name``, ``sources``, ``countries``, ``size``, ``offset``) and the
same response fields (``total``, ``sources``, ``results`` with ``source``, ``alt_names``, ``addresses``,
``federal_register_notice``..., ``sources_used``, ``search_performed_at``), answered by this engine's
matcher over the lists in force, audited as ``/screen`` is. Each result also carries ``score`` and
``matched_name``, which the trade.gov API does not give.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from exportguard.api.auth import Analyst, Lists, Writer
from exportguard.api.errors import ApiError
from exportguard.api.limits import MAX_TEXT
from exportguard.lists.model import Party
from exportguard.matching.model import DEFAULT_THRESHOLD, Hit
from exportguard.matching.screener import ScreeningInputError

router = APIRouter(tags=["screening"])
#: Hits screened before filtering and paging, as many as the screener ranks for one name.
SCREENED = 100
#: With ``fuzzy_name=false`` only names equal after normalisation count (their score rounds to 1.00).
EXACT_THRESHOLD = 0.995
#: The raw CSL columns passed through when the list was loaded from trade.gov's file.
RAW_FIELDS = ("entity_number", "type", "title", "standard_order", "call_sign", "remarks", "ids", "nationalities",
              "citizenships", "dates_of_birth", "places_of_birth", "source_information_url")


@router.get("/search", summary="trade.gov CSL-style search: name, fuzzy_name, sources, countries, size, offset")
async def search(
    caller: Analyst, writer: Writer, lists: Lists,
    name: Annotated[str, Query(min_length=1, max_length=MAX_TEXT, description="Name to search")],
    fuzzy_name: Annotated[bool, Query(description="false: only names equal after normalisation")] = False,
    sources: Annotated[str, Query(max_length=200, description="Comma-separated list codes, e.g. EL,SDN,DPL")] = "",
    countries: Annotated[str, Query(max_length=200, description="Comma-separated ISO-2 codes of the entries")] = "",
    size: Annotated[int, Query(ge=1, le=50)] = 10,
    offset: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> dict[str, Any]:
    """Entries matching ``name``, best first, in the trade.gov response shape (plus ``score``)."""
    screener = lists.screener()
    wanted_lists = {code.strip().upper() for code in sources.split(",") if code.strip()} or None
    wanted_countries = {code.strip().upper() for code in countries.split(",") if code.strip()}
    try:
        hits = screener.screen(name, None, limit=SCREENED, lists=wanted_lists,
                               threshold=DEFAULT_THRESHOLD if fuzzy_name else EXACT_THRESHOLD)
    except ScreeningInputError as error:
        raise ApiError(422, "invalid_screening_input", str(error)) from error
    found = [hit for hit in hits if not wanted_countries or wanted_countries & set(hit.party.countries)]
    await writer.append_async(caller.name, "screen", f"party:{name[:200]}",
                              {"query": name, "country": None, "list_version": screener.list_version, "api": "search",
                               "hits": [{"entry_key": h.party.key, "score": round(h.score, 4)} for h in found]})
    counts = Counter(hit.party.list_name or hit.party.list_code for hit in found)
    return {
        "total": len(found),
        "sources": [{"value": source, "count": count} for source, count in counts.most_common()],
        "results": [_result(hit) for hit in found[offset: offset + size]],
        "search_performed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources_used": [{"source": version, "source_last_updated": None}
                         for version in screener.list_version.split("+")],
    }


def _result(hit: Hit) -> dict[str, Any]:
    party = hit.party
    raw = dict(party.raw)
    return {
        "id": raw.get("_id") or party.key, "name": party.name, "alt_names": list(party.aliases),
        "addresses": [_address(text, party) for text in party.addresses],
        "source": party.list_name or party.list_code, "source_list_url": party.source_url or None,
        "federal_register_notice": party.federal_register_notice or None,
        "start_date": party.start_date.isoformat() if party.start_date else None,
        "end_date": party.end_date.isoformat() if party.end_date else None,
        "license_requirement": party.license_requirement or None, "license_policy": party.license_policy or None,
        "programs": list(party.programs),
        **{key: raw.get(key) or None for key in RAW_FIELDS},
        "score": round(hit.score, 4), "matched_name": hit.matched_name, "entry_key": party.key,
    }


def _address(text: str, party: Party) -> dict[str, Any]:
    """The loaded address as one line; the country when the entry names a single one."""
    return {"address": text, "city": None, "state": None, "postal_code": None,
            "country": party.countries[0] if len(party.countries) == 1 else None}
