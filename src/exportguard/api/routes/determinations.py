"""``/determinations``: license determinations, stored with their inputs and the list and rule versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from exportguard.api.auth import Analyst, Caller, Lists, ReadSession, Sessions
from exportguard.api.errors import ApiError
from exportguard.api.schemas import Day, RecordId, Strict
from exportguard.api.views import as_utc
from exportguard.matching.screener import ScreeningInputError
from exportguard.rules import Determination, TransactionError, determine
from exportguard.rules.parties import ScreenerMatcher
from exportguard.store import audit
from exportguard.store.tables import Determination as StoredDetermination
from exportguard.store.writes import write_transaction

router = APIRouter(prefix="/determinations", tags=["determinations"])


class DeterminationRequest(Strict):
    """A transaction (see docs/rules.md for its fields) and the date to decide it as of."""

    transaction: Annotated[dict[str, Any], Field(description="type, date, destination, parties, items, end_use...")]
    as_of: Day | None = Field(None, description="default: the transaction date")


@router.post("", status_code=201, summary="Decide whether a transaction needs a license, and record it")
def decide(request: DeterminationRequest, caller: Analyst, factory: Sessions, lists: Lists) -> dict[str, Any]:
    """Runs the ordered EAR checks; the determination is stored and audited before it is returned."""
    try:
        result = determine(request.transaction, request.as_of, matcher=ScreenerMatcher(lists.screener()))
    except (TransactionError, ScreeningInputError) as error:
        raise ApiError(422, "invalid_transaction", str(error)) from error
    with write_transaction(factory) as session:
        stored = store_determination(session, result, caller.name)
        return view(stored)


@router.get("", summary="Recorded determinations, newest first")
def list_determinations(
    _caller: Caller, session: ReadSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> list[dict[str, Any]]:
    query = select(StoredDetermination).order_by(StoredDetermination.id.desc()).limit(limit).offset(offset)
    return [view(found) for found in session.scalars(query)]


@router.get("/{determination_id}", summary="One recorded determination, as made")
def get(determination_id: RecordId, _caller: Caller, session: ReadSession) -> dict[str, Any]:
    found = session.get(StoredDetermination, determination_id)
    if found is None:
        raise ApiError(404, "not_found", f"no determination {determination_id}")
    return view(found)


def store_determination(session: Session, result: Determination, actor: str) -> StoredDetermination:
    """Record a determination with its inputs and versions, audited."""
    outputs = result.to_dict()
    stored = StoredDetermination(
        created_at=datetime.now(UTC), created_by=actor, as_of=outputs["as_of"], status=outputs["status"],
        inputs=outputs["inputs"], outputs=outputs, list_versions=outputs["list_versions"],
        rule_versions=outputs["rule_versions"],
    )
    session.add(stored)
    session.flush()
    audit.append(session, actor, "determination", f"determination:{stored.id}",
                 {"status": stored.status, "as_of": stored.as_of, "list_versions": stored.list_versions,
                  "rule_versions": stored.rule_versions, "reference": stored.inputs.get("reference", "")})
    return stored


def view(stored: StoredDetermination) -> dict[str, Any]:
    """A stored determination with who made it and when."""
    return {"id": stored.id, "created_by": stored.created_by, "created_at": as_utc(stored.created_at), **stored.outputs}
