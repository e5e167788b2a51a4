"""``/audit``: read the hash-chained audit log and verify that no record was altered."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from exportguard.api.auth import ReadSession, Reviewer
from exportguard.api.limits import PRINTABLE
from exportguard.api.views import AuditRecordOut, ChainReportOut
from exportguard.store.audit import AuditRecord, verify_chain

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", summary="Audit records, oldest first, after a given id", response_model=list[AuditRecordOut])
def records(
    _caller: Reviewer, session: ReadSession,
    after_id: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    subject: Annotated[str | None, Query(max_length=300, pattern=PRINTABLE)] = None,
) -> list[dict[str, Any]]:
    query = select(AuditRecord).where(AuditRecord.id > after_id).order_by(AuditRecord.id).limit(limit)
    if subject:
        query = query.where(AuditRecord.subject == subject)
    return [
        {"id": r.id, "at": r.at, "actor": r.actor, "action": r.action, "subject": r.subject,
         "details": r.details, "hash": r.hash}
        for r in session.scalars(query)
    ]


@router.get(
    "/verify", summary="Recompute the hash chain and report the first broken record", response_model=ChainReportOut
)
def verify(_caller: Reviewer, session: ReadSession) -> dict[str, Any]:
    report = verify_chain(session)
    return {"ok": report.ok, "checked": report.checked, "first_broken_id": report.first_broken_id,
            "problem": report.problem, "unsigned": report.unsigned, "anchored_at": report.anchored_at}
