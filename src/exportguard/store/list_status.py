"""`lists status`, `GET /lists/status` and the console's list page: the lists in force and the last fetches."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from exportguard.lists.freshness import freshness
from exportguard.store.customer_store import combined, in_force
from exportguard.store.list_fetch import last_attempts


def list_status(session: Session, today: date | None = None) -> dict[str, Any]:
    """Per list in force: version, as-of date, age, entries, when it was loaded and where it came from."""
    records = in_force(session)
    loaded = {record.id: record for record in records}
    dated = freshness(combined(session, records), today)
    lists = []
    for entry, row in zip(dated.lists, dated.to_dict()["lists"], strict=True):
        record = loaded.get(entry.version_id)
        lists.append({**row, "loaded_at": record.loaded_at if record else None,
                      "loaded_by": record.loaded_by if record else "bundled",
                      "provenance": (record.origin if record else entry.provenance) or "",
                      "forced_reason": record.forced_reason if record else None})
    fetches = [{"url": f.url, "source": f.source, "outcome": f.outcome, "checked_at": f.checked_at,
                "message": f.message, "sha256": f.sha256} for f in last_attempts(session)]
    return {"checked_on": dated.today.isoformat(), "max_age_days": dated.max_age_days, "lists": lists,
            "warnings": dated.warnings, "fetches": fetches, "generated_at": datetime.now(UTC)}
