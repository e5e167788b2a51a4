"""``/lists``, ``/customers`` and ``/hits``: list versions, the customer master and hits to review."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from pydantic import Field
from sqlalchemy import select

from exportguard.api.auth import Caller, ReadSession, Reviewer, Sessions
from exportguard.api.errors import ApiError
from exportguard.api.limits import PRINTABLE
from exportguard.api.schemas import RecordId, Strict
from exportguard.batch.runner import Customer, unscreenable_reason
from exportguard.lists.model import Party
from exportguard.lists.versions import NotComparable, diff
from exportguard.store.customer_store import MonitoringError, dispose, hit_queue
from exportguard.store.list_status import list_status
from exportguard.store.list_store import snapshot_of, versions
from exportguard.store.monitoring import CustomerRecord, ListVersionRecord, ScreeningHitRecord
from exportguard.store.refresh import schedule_status
from exportguard.store.writes import write_transaction

router = APIRouter(tags=["monitoring"])
VersionId = Annotated[str, PathParam(pattern=r"^[a-z]+@[0-9a-f]{12}$", description="e.g. sdn@90ae43abd79c")]
Page = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10**9)]


class DispositionIn(Strict):
    """A reviewer's verdict; it holds until the list entry's content changes."""

    verdict: Literal["true_match", "false_positive"]
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=PRINTABLE)]


@router.get("/lists", summary="Every loaded list version, newest first")
def list_versions(_caller: Caller, session: ReadSession) -> list[dict[str, Any]]:
    return [{"id": v.id, "source": v.source, "file": v.file_name, "entries": v.party_count,
             "loaded_at": v.loaded_at, "loaded_by": v.loaded_by, "current": v.current} for v in versions(session)]


@router.get("/lists/status", summary="Each list in force with its as-of date and age; last fetches; the schedule")
def lists_status(_caller: Caller, session: ReadSession) -> dict[str, Any]:
    return {**list_status(session), "schedule": schedule_status(session)}


@router.get("/lists/{old}/diff/{new}", summary="Added, removed and modified entries between two versions")
def version_diff(old: VersionId, new: VersionId, _caller: Caller, session: ReadSession) -> dict[str, Any]:
    records = [session.get(ListVersionRecord, version_id) for version_id in (old, new)]
    if records[0] is None or records[1] is None:
        raise ApiError(404, "not_found", f"unknown list version {old if records[0] is None else new}")
    try:
        changes = diff(snapshot_of(session, records[0]), snapshot_of(session, records[1]))
    except NotComparable as error:
        raise ApiError(422, "not_comparable", str(error)) from error
    return {
        **changes.summary(),
        "added_entries": [{"key": p.key, "name": p.name} for p in changes.added],
        "removed_entries": [{"key": p.key, "name": p.name} for p in changes.removed],
        "modified_entries": [{"key": m.new.key, "name": m.new.name, "fields": list(m.fields),
                              "changes": [{"field": name, "old": old_value, "new": new_value}
                                          for name, old_value, new_value in m.changes]}
                             for m in changes.modified],
    }


@router.get("/customers", summary="Stored customers; `unscreenable` says why one cannot be screened (else null)")
def customers(_caller: Caller, session: ReadSession, limit: Page = 100, offset: Offset = 0) -> list[dict[str, Any]]:
    query = select(CustomerRecord).order_by(CustomerRecord.id).limit(limit).offset(offset)
    return [{"id": c.id, "external_ref": c.external_ref, "name": c.name, "country": c.country,
             "address": c.address, "unscreenable": unscreenable_reason(Customer(c.external_ref, c.name, c.country))}
            for c in session.scalars(query)]


@router.get("/hits", summary="Screening hits, by status (near misses are not hits and are not listed)")
def hits(
    _caller: Caller, session: ReadSession, status: Literal["new", "open", "cleared", "retired"] = "new",
    limit: Page = 100, offset: Offset = 0,
) -> list[dict[str, Any]]:
    return [{**_hit_view(queued.hit), "entry": _entry_view(queued.entry)}
            for queued in hit_queue(session, status, limit, offset)]


@router.post("/hits/{hit_id}/disposition", summary="Clear or confirm a hit (reviewer role); audited")
def disposition(hit_id: RecordId, request: DispositionIn, caller: Reviewer, factory: Sessions) -> dict[str, Any]:
    with write_transaction(factory) as session:
        try:
            return _hit_view(dispose(session, hit_id, request.verdict, request.reason, caller.name))
        except MonitoringError as exc:
            raise ApiError(404, "not_found", str(exc)) from exc


def _hit_view(hit: ScreeningHitRecord) -> dict[str, Any]:
    return {"id": hit.id, "customer_id": hit.customer_id, "entry_key": hit.entry_key, "score": hit.score,
            "matched_name": hit.matched_name, "list_version": hit.list_version, "status": hit.status,
            "features": hit.features.splitlines(), "updated_at": hit.updated_at}


def _entry_view(entry: Party | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"list": entry.list_code, "name": entry.name, "addresses": list(entry.addresses),
            "countries": list(entry.countries)}
