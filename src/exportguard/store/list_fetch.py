"""``lists fetch``: download each source, load it through the guard, remember how each attempt went.

A source whose files all answer 304 (or whose bytes are a version already in force) changes nothing.
A fetched set that fails the format check, the loader or the guard is refused: the version in force
stays, the refusal is audited with the check that failed, and the next attempt fetches it again.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from exportguard.lists.errors import ListFormatError
from exportguard.lists.fetch import (
    DEFAULT_SETTINGS,
    FetchError,
    FetchSettings,
    StagedSet,
    Validators,
    fetch_set,
    promote,
)
from exportguard.lists.sources import ListSource
from exportguard.lists.versions import DEFAULT_LIMITS, GuardLimits, VersionRefused
from exportguard.store.base import transaction
from exportguard.store.list_store import record_refusal, record_version
from exportguard.store.monitoring import ListFetchRecord

CACHE_SETTING = "EXPORTGUARD_FETCH_DIR"
DEFAULT_CACHE = "exportguard-lists"


@dataclass(frozen=True)
class FetchOutcome:
    """How fetching one source went: loaded, unchanged, refused or failed, and why."""

    source: str
    outcome: str
    message: str
    version_id: str | None = None
    changes: dict[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "outcome": self.outcome, "message": self.message,
                "version": self.version_id, "changes": self.changes}


def cache_dir(path: str | Path | None = None) -> Path:
    """Where the last good copy of each source is kept: the argument, the setting, else ./exportguard-lists."""
    return Path(path or os.environ.get(CACHE_SETTING) or DEFAULT_CACHE)


def fetch_lists(factory: sessionmaker[Session], sources: list[ListSource], actor: str, cache: Path,
                client: httpx.Client | None = None, settings: FetchSettings = DEFAULT_SETTINGS,
                limits: GuardLimits = DEFAULT_LIMITS, force_reason: str | None = None,
                allow_partial: bool = False) -> list[FetchOutcome]:
    """Fetch and load each source in turn; one source failing does not stop the others."""
    own_client = client is None
    client = client or httpx.Client(follow_redirects=True, headers={"User-Agent": "exportguard list fetch"})
    try:
        return [_fetch_one(factory, source, actor, cache, client, settings, limits, force_reason, allow_partial)
                for source in sources]
    finally:
        if own_client:
            client.close()


def _fetch_one(factory: sessionmaker[Session], source: ListSource, actor: str, cache: Path, client: httpx.Client,
               settings: FetchSettings, limits: GuardLimits, force_reason: str | None,
               allow_partial: bool) -> FetchOutcome:
    with factory() as session:
        last = last_validators(session)
    try:
        staged = fetch_set(source, client, last, cache, settings)
    except FetchError as exc:
        return _note_failure(factory, source, exc.url, "failed", str(exc), actor)
    if staged.unchanged:
        return _note(factory, staged, "unchanged", "not modified since the last fetch (304)",
                     discard_staging=True)
    try:
        snapshot = source.load_fetched(staged.directory, allow_partial)
        snapshot = replace(snapshot, version=replace(snapshot.version, as_of=staged.as_of))
        with transaction(factory) as session:
            loaded = record_version(session, snapshot, actor, limits, force_reason=force_reason,
                                    origin=staged.files[0].url)
    except (ListFormatError, VersionRefused) as exc:
        shutil.rmtree(staged.directory, ignore_errors=True)
        return _note_failure(factory, source, staged.files[0].url, "refused", str(exc), actor, exc)
    promote(staged, cache)
    if loaded.already_loaded:
        return _note(factory, staged, "unchanged", f"same bytes as {loaded.version_id}, already in force",
                     version_id=loaded.version_id)
    summary = loaded.changes.summary() if loaded.changes else None
    return _note(factory, staged, "loaded", f"{snapshot.version.party_count:,} entries", loaded.version_id, summary)


def last_validators(session: Session) -> dict[str, Validators]:
    """ETag and Last-Modified of every URL's last good fetch."""
    return {record.url: Validators(record.etag, record.last_modified)
            for record in session.scalars(select(ListFetchRecord))}


def last_attempts(session: Session) -> list[ListFetchRecord]:
    """The last attempt on every URL, newest first: what the status page and endpoint report."""
    return list(session.scalars(select(ListFetchRecord).order_by(ListFetchRecord.checked_at.desc())))


def _note(factory: sessionmaker[Session], staged: StagedSet, outcome: str, message: str,
          version_id: str | None = None, changes: dict[str, int] | None = None, discard_staging: bool = False) -> FetchOutcome:
    if discard_staging:
        shutil.rmtree(staged.directory, ignore_errors=True)
    with transaction(factory) as session:
        for file in staged.files:
            record = _record(session, file.url, staged.source.code)
            if file.changed:
                record.etag, record.last_modified = file.validators.etag, file.validators.last_modified
                record.sha256 = file.sha256
            record.checked_at, record.outcome, record.message = datetime.now(UTC), outcome, message
    return FetchOutcome(staged.source.code, outcome, message, version_id, changes)


def _note_failure(factory: sessionmaker[Session], source: ListSource, url: str, outcome: str, message: str,
                  actor: str, refusal: Exception | None = None) -> FetchOutcome:
    with transaction(factory) as session:
        record = _record(session, url, source.code)
        record.checked_at, record.outcome, record.message = datetime.now(UTC), outcome, message
        if refusal is not None:
            # The refused bytes are not the last good copy: ask for them in full next time.
            record.etag = record.last_modified = None
            record_refusal(session, actor, source.code, refusal, url)
    return FetchOutcome(source.code, outcome, message)


def _record(session: Session, url: str, source: str) -> ListFetchRecord:
    record = session.get(ListFetchRecord, url)
    if record is None:
        record = ListFetchRecord(url=url, source=source, checked_at=datetime.now(UTC), outcome="")
        session.add(record)
    return record
