"""Downloading a list publication from its official source, refusing what is not a whole list file.

Conditional requests (``If-None-Match`` / ``If-Modified-Since`` from the last good fetch: a 304 changes
nothing), a timeout per request, retries with exponential backoff on network errors and 5xx answers, a
size limit, and a format check that refuses an HTML page (an error or login page served with 200), an
empty body and a body cut short. httpx honours the standard proxy variables (``HTTPS_PROXY``,
``NO_PROXY``, ...). What is fetched is only staged here: loading it, through the same guard as
``lists update``, is the caller's business (:mod:`exportguard.store.list_fetch`).
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx

from exportguard.lists.sources import ListSource, RemoteFile

_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body")
_RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class FetchSettings:
    """Limits of one fetch; the defaults suit the official sources (the CSL is about 17 MB)."""

    timeout: float = 60.0
    retries: int = 3
    backoff: float = 2.0
    max_bytes: int = 300_000_000


DEFAULT_SETTINGS = FetchSettings()


@dataclass(frozen=True)
class Validators:
    """What the server said about the last good copy, sent back to ask whether it changed."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchedFile:
    """One file as fetched: changed (with its SHA-256) or not modified since the last good copy."""

    url: str
    local: str
    changed: bool
    sha256: str | None
    validators: Validators
    size: int = 0


@dataclass(frozen=True)
class StagedSet:
    """A source's files, fetched into ``directory`` (with unchanged ones copied from the last good set)."""

    source: ListSource
    directory: Path
    files: tuple[FetchedFile, ...]
    as_of: date

    @property
    def unchanged(self) -> bool:
        return not any(file.changed for file in self.files)


class FetchError(Exception):
    """A download that failed or was refused as not a list file; nothing from it is used."""

    def __init__(self, url: str, message: str):
        self.url = url
        super().__init__(f"{url}: {message}")


def fetch_set(source: ListSource, client: httpx.Client, last: Mapping[str, Validators], cache: Path,
              settings: FetchSettings = DEFAULT_SETTINGS, sleep: Callable[[float], None] = time.sleep) -> StagedSet:
    """Fetch every file of ``source`` into a staging directory next to its last good copy in ``cache``.

    A file whose last good copy is in ``cache`` is asked for conditionally. Raises :class:`FetchError`
    if any file fails after the retries or is refused by the format check.
    """
    good = cache / source.code
    staging = cache / f"{source.code}.staged"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    fetched = []
    for remote in source.files:
        url = source.url_base() + remote.remote
        known = last.get(url) if (good / remote.local).is_file() else None
        file = fetch_file(client, url, remote, known, staging / remote.local, settings, sleep)
        if not file.changed:
            shutil.copyfile(good / remote.local, staging / remote.local)
        fetched.append(file)
    return StagedSet(source, staging, tuple(fetched), _as_of(fetched[0].validators))


def promote(staged: StagedSet, cache: Path) -> None:
    """Make a staged set the last good copy (after it was loaded and put in force)."""
    good = cache / staged.source.code
    shutil.rmtree(good, ignore_errors=True)
    staged.directory.rename(good)


def fetch_file(client: httpx.Client, url: str, remote: RemoteFile, known: Validators | None, target: Path,
               settings: FetchSettings = DEFAULT_SETTINGS, sleep: Callable[[float], None] = time.sleep) -> FetchedFile:
    """GET one file (conditionally when ``known``), retrying transient failures, and check its format."""
    headers = {}
    if known and known.etag:
        headers["If-None-Match"] = known.etag
    if known and known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    for attempt in range(settings.retries + 1):
        try:
            return _get(client, url, remote, headers, target, settings)
        except _Transient as exc:
            if attempt == settings.retries:
                raise FetchError(url, f"{exc} (gave up after {settings.retries + 1} attempts)") from exc
            sleep(settings.backoff * 2**attempt)
    raise AssertionError("unreachable")


class _Transient(Exception):
    """A failure worth another try: network trouble, a timeout, a 5xx, a body cut short."""


def _get(client: httpx.Client, url: str, remote: RemoteFile, headers: dict[str, str], target: Path,
         settings: FetchSettings) -> FetchedFile:
    try:
        with client.stream("GET", url, headers=headers, timeout=settings.timeout) as response:
            if response.status_code == 304:
                return FetchedFile(url, remote.local, False, None, _validators(response))
            if response.status_code in _RETRYABLE_STATUS:
                raise _Transient(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise FetchError(url, f"HTTP {response.status_code}")
            declared = int(response.headers.get("content-length") or 0)
            if declared > settings.max_bytes:
                raise FetchError(url, f"{declared:,} bytes, more than the limit of {settings.max_bytes:,}")
            body = _read_limited(response, url, settings.max_bytes)
            if declared and response.headers.get("content-encoding") is None and len(body) != declared:
                raise _Transient(f"body cut short: {len(body):,} of {declared:,} bytes")
            check_format(body, remote.kind, url, response.headers.get("content-type", ""))
            target.write_bytes(body)
            return FetchedFile(url, remote.local, True, hashlib.sha256(body).hexdigest(), _validators(response),
                               len(body))
    except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        raise _Transient(f"{type(exc).__name__}: {exc}") from exc


def _read_limited(response: httpx.Response, url: str, limit: int) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise FetchError(url, f"more than the limit of {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def check_format(body: bytes, kind: str, url: str, content_type: str = "") -> None:
    """Refuse what cannot be a whole list file: empty, an HTML page, or a text file cut mid-record."""
    head = body[:512].lstrip().lower()
    if not body.strip():
        raise FetchError(url, "empty body")
    if "text/html" in content_type.lower() or head.startswith(_HTML_STARTS):
        raise FetchError(url, "an HTML page, not a list file (an error or login page?)")
    tail = body.rstrip(b"\x1a\r\n\t ")
    if kind == "csv" and body.count(b'"') % 2:
        # Cut inside a quoted field. A cut between records leaves a valid file: the Content-Length
        # check and the guard's per-list counts catch that one.
        raise FetchError(url, "a quoted field is never closed: the file was cut short")
    if kind == "xml" and not (head.startswith(b"<?xml") or head.startswith(b"<")):
        raise FetchError(url, "not an XML document")
    if kind == "xml" and not tail.endswith(b">"):
        raise FetchError(url, "the XML document does not end with a closing tag: the file was cut short")


def _validators(response: httpx.Response) -> Validators:
    return Validators(response.headers.get("etag"), response.headers.get("last-modified"))


def _as_of(validators: Validators) -> date:
    """The server's Last-Modified date of the main file; without one, today (the source serves its current list)."""
    if validators.last_modified:
        try:
            return parsedate_to_datetime(validators.last_modified).astimezone(UTC).date()
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC).date()
