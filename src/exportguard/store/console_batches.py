"""Customer files screened from the console: kept so the review queue outlives the server process.

A batch keeps its rows (with the customer's own id) and, per row, a summary of each hit: enough to
show the queue and to record a disposition (the entry's key and content fingerprint) after a restart,
without screening the file again against lists that may have changed since.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from exportguard.store.base import Base

#: Batches listed on the console's batch page, newest first.
LISTED = 50


class ConsoleBatch(Base):
    """One uploaded customer file: who uploaded it, its rows, the hits per row and the rows refused."""

    __tablename__ = "console_batches"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    owner: Mapped[str] = mapped_column(String(100), nullable=False)
    file_name: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    list_version: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    #: ``[{"row", "customer_id", "name", "country"}]`` in file order.
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    #: ``{row: [hit summary]}`` for rows with hits (see ``web.batch_jobs.BatchHit``).
    hits: Mapped[dict[str, list[dict[str, Any]]]] = mapped_column(JSON, nullable=False)
    #: ``{row: reason}`` for rows that could not be screened.
    errors: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    hit_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


def save(session: Session, batch: ConsoleBatch) -> None:
    """Insert or replace a batch (a started batch is saved again when it finishes)."""
    session.merge(batch)


def get(session: Session, batch_id: str) -> ConsoleBatch | None:
    return session.get(ConsoleBatch, batch_id)


def recent(session: Session, limit: int = LISTED) -> list[ConsoleBatch]:
    """The latest batches, newest first."""
    return list(session.scalars(select(ConsoleBatch).order_by(ConsoleBatch.created_at.desc()).limit(limit)))
