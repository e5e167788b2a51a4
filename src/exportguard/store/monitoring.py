"""Tables for continuous screening: list versions and their entries, customers, hits and dispositions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from exportguard.store.base import Base

HIT_STATUSES = ("new", "open", "cleared", "retired", "watch")
VERDICTS = ("true_match", "false_positive")


class ListVersionRecord(Base):
    """One loaded list file; never overwritten. ``current`` marks the version in force per source."""

    __tablename__ = "list_versions"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    source: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    file_name: Mapped[str] = mapped_column(String(300), nullable=False)
    party_count: Mapped[int] = mapped_column(Integer, nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    loaded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Set when customers were last re-screened with this version in force.
    screened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: The matching engine (``matcher_fingerprint``) of that re-screen.
    screened_with: Mapped[str | None] = mapped_column(String(16), nullable=True)
    previous_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    #: The date the publication is as of (its own date, else the server's Last-Modified); None: unknown.
    as_of: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Where the file came from: the URL it was fetched from, or the file name given to `lists update`.
    origin: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    #: Entries per list code, so the guard can compare with earlier versions without reading them.
    list_counts: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    #: Set when an admin put the version in force although the guard refused it, with why.
    forced_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class ListFetchRecord(Base):
    """The last fetch of one URL: validators for the next conditional request, and how it went."""

    __tablename__ = "list_fetches"

    url: Mapped[str] = mapped_column(String(1000), primary_key=True)
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    etag: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    #: loaded, unchanged (304 or same bytes), refused (guard or format) or failed (network).
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")


class ListEntryRecord(Base):
    """One party of one list version, as JSON, with the hash of its content fields."""

    __tablename__ = "list_entries"
    __table_args__ = (UniqueConstraint("version_id", "entry_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[str] = mapped_column(ForeignKey("list_versions.id"), nullable=False, index=True)
    entry_key: Mapped[str] = mapped_column(String(120), nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    party: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


class CustomerRecord(Base):
    """A party the company deals with, screened on every list change."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    external_ref: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(500), nullable=False)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Added or changed since the last re-screen, which then screens it against every entry.
    needs_screening: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())
    #: The name as normalised, with the normaliser's fingerprint: reused while the fingerprint holds.
    normalized_name: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class ScreeningHitRecord(Base):
    """A customer matched to a list entry; ``watch`` rows are near misses kept for delta re-screening."""

    __tablename__ = "screening_hits"
    __table_args__ = (UniqueConstraint("customer_id", "entry_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False, index=True)
    entry_key: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    list_version: Mapped[str] = mapped_column(String(1000), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    matched_name: Mapped[str] = mapped_column(String(500), nullable=False)
    features: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class DispositionRecord(Base):
    """A reviewer's verdict on a customer-entry pair, valid while the entry's content hash is unchanged."""

    __tablename__ = "dispositions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False, index=True)
    entry_key: Mapped[str] = mapped_column(String(120), nullable=False)
    entry_content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    verdict: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    decided_by: Mapped[str] = mapped_column(String(100), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class RescreenRun(Base):
    """A re-screen in progress or done, with its checkpoint: customers up to ``last_customer_id`` are applied.

    A re-screen commits a chunk of customers at a time; a killed run resumes after its checkpoint.
    """

    __tablename__ = "rescreen_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: The ids of the list versions in force it screens against, sorted: a resume needs the same ones.
    versions: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    mode: Mapped[str] = mapped_column(String(10), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    started_by: Mapped[str] = mapped_column(String(100), nullable=False)
    last_customer_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Customers screened and hits new, retired and changed so far (summed over the committed chunks).
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
