"""List versions: what changed between two stored versions, and which stored customers a change affects.

Versions are those loaded with ``exportguard lists update`` (never overwritten); customers are the
customer master imported with ``exportguard customers import``. Affected customers are found by screening
every stored customer against only the added and modified entries, scored as a full screen would.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from exportguard.batch.delta import delta_screener
from exportguard.lists import versions
from exportguard.lists.model import ListSnapshot
from exportguard.store.list_status import list_status
from exportguard.store.list_store import snapshot_of
from exportguard.store.list_store import versions as stored_versions
from exportguard.store.monitoring import CustomerRecord, ListVersionRecord
from exportguard.store.refresh import schedule_status
from exportguard.web import exports, session
from exportguard.web.templating import render

router = APIRouter()
SHOWN = 100
Version = Annotated[str, Query(max_length=80)]


@router.get("/lists")
def list_versions(request: Request, old: Version = "", new: Version = "") -> Response:
    """Pick two versions of one list; see added, removed and modified entries (old and new value of each
    changed field) and the customers each change affects."""
    user = session.require(request)
    with request.app.state.sessions() as db:
        records = stored_versions(db)
        context: dict[str, Any] = {"versions": records, "old": old, "new": new, "shown": SHOWN,
                                   "in_force": list_status(db), "schedule": schedule_status(db)}
        if not (old and new):
            return render(request, "lists.html", user, **context)
        before, after = _snapshot(db, old), _snapshot(db, new)
        try:
            changes = versions.diff(before, after)
        except versions.NotComparable as error:
            return render(request, "lists.html", user, status=422, error=str(error), **context)
        return render(request, "lists.html", user, changes=changes, before=before, after=after,
                      affected=_affected(db, after, changes), **context)


@router.get("/lists/diff.csv")
def export_diff(request: Request, old: Version, new: Version) -> Response:
    """Every added, removed and modified entry between two versions of one list, one changed field a row."""
    session.require(request)
    with request.app.state.sessions() as db:
        before, after = _snapshot(db, old), _snapshot(db, new)
    try:
        changes = versions.diff(before, after)
    except versions.NotComparable as error:
        raise HTTPException(422, str(error)) from error
    rows = ([{"change": "added", "entry_key": p.key, "name": p.name} for p in changes.added]
            + [{"change": "removed", "entry_key": p.key, "name": p.name} for p in changes.removed]
            + [{"change": "modified", "entry_key": m.new.key, "name": m.new.name, "field": name, "old": old_value,
                "new": new_value} for m in changes.modified for name, old_value, new_value in m.changes])
    return exports.csv_response(f"list-diff-{old}-{new}.csv".replace("@", "_"),
                                ("change", "entry_key", "name", "field", "old", "new"), rows)


def _snapshot(db: Session, version_id: str) -> ListSnapshot:
    record = db.get(ListVersionRecord, version_id)
    if record is None:
        raise HTTPException(404, f"no stored list version {version_id!r}")
    return snapshot_of(db, record)


def _affected(db: Session, after: ListSnapshot, changes: versions.ListDiff) -> list[dict[str, Any]]:
    """Stored customers who match an added or modified entry of the new version."""
    if not changes.changed or db.scalar(select(CustomerRecord.id).limit(1)) is None:
        return []
    screener = delta_screener(after, changes)
    modified = {change.new.key: change.fields for change in changes.modified}
    rows = []
    for customer in db.scalars(select(CustomerRecord).order_by(CustomerRecord.name)):
        for hit in screener.screen(customer.name, customer.country or None):
            change = "modified: " + ", ".join(modified[hit.party.key]) if hit.party.key in modified else "added"
            rows.append({"customer": customer, "hit": hit, "change": change})
    return rows
