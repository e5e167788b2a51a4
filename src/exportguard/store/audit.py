"""Append-only, hash-chained audit trail: every decision and every write leaves a record.

Each record stores the SHA-256 of the previous record's hash and its own canonical content,
so editing or deleting any past record breaks the chain, which :func:`verify_chain` detects.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from exportguard.store.base import Base

GENESIS_HASH = "0" * 64


class AuditRecord(Base):
    """One audited event: who did what to which subject, when, with the chain hash."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    action: Mapped[str] = mapped_column(String(100), nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)


def record_hash(prev_hash: str, at: datetime, actor: str, action: str, subject: str, details: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and this record's canonical JSON."""
    body = json.dumps(
        {"at": at.isoformat(), "actor": actor, "action": action, "subject": subject, "details": details},
        sort_keys=True,
        default=str,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def append(session: Session, actor: str, action: str, subject: str, details: dict[str, Any]) -> AuditRecord:
    """Add an audit record chained to the latest one, inside the caller's transaction."""
    _lock_chain(session)
    last = session.scalars(select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1)).first()
    prev_hash = last.hash if last else GENESIS_HASH
    at = datetime.now(UTC).replace(microsecond=0)
    clean = json.loads(json.dumps(details, default=str))
    record = AuditRecord(
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        details=clean,
        prev_hash=prev_hash,
        hash=record_hash(prev_hash, at, actor, action, subject, clean),
    )
    session.add(record)
    session.flush()
    return record


def _lock_chain(session: Session) -> None:
    """Serialise appends so two writers never chain onto the same predecessor (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        session.execute(text("SELECT pg_advisory_xact_lock(727001)"))


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a chain verification: how many records were checked and the first broken one."""

    checked: int
    first_broken_id: int | None

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify_chain(session: Session) -> ChainReport:
    """Recompute every record's hash in order; report the first record that does not fit."""
    prev_hash = GENESIS_HASH
    checked = 0
    for record in session.scalars(select(AuditRecord).order_by(AuditRecord.id)):
        at = record.at if record.at.tzinfo else record.at.replace(tzinfo=UTC)
        expected = record_hash(prev_hash, at, record.actor, record.action, record.subject, record.details)
        if record.prev_hash != prev_hash or record.hash != expected:
            return ChainReport(checked, record.id)
        prev_hash = record.hash
        checked += 1
    return ChainReport(checked, None)
