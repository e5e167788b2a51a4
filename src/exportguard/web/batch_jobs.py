"""Batch screening of an uploaded customer file, run in a background thread with visible progress.

A job is held in the server process while it screens; it is saved in the store when it starts and
again when it finishes, so the review queue (and a saved link to it) outlives the process. A job cut
short by a restart is shown as interrupted.
"""

from __future__ import annotations

import csv
import io
import itertools
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from exportguard.lists.versions import content_hash
from exportguard.matching.model import Hit
from exportguard.matching.screener import Screener, ScreeningInputError
from exportguard.store.console_batches import ConsoleBatch

MAX_ROWS = 5000
MAX_JOBS = 20
#: Hits kept per customer row, best first.
HITS_PER_ROW = 20
#: Scores shown as 1.00: an exact match, never cleared by a bulk action unless the reviewer asks.
EXACT_SCORE = 0.995
ID_COLUMNS = ("customer_id", "id")


class UploadError(ValueError):
    """A customer file that cannot be screened; the message names the problem and the row."""


@dataclass(frozen=True)
class Customer:
    """One row of the uploaded file, with the company's own id for the customer when the file has one."""

    row: int
    name: str
    country: str
    customer_id: str = ""


@dataclass(frozen=True)
class BatchHit:
    """What the queue shows of a hit, and what a disposition needs: the entry's key and content fingerprint."""

    entry_key: str
    fingerprint: str
    score: float
    band: str
    list_code: str
    name: str
    matched_name: str
    countries: tuple[str, ...] = ()
    license_policy: str = ""
    federal_register_notice: str = ""
    explanation: str = ""

    @property
    def exact(self) -> bool:
        return self.score >= EXACT_SCORE

    @classmethod
    def of(cls, hit: Hit) -> BatchHit:
        party = hit.party
        return cls(party.key, content_hash(party), round(hit.score, 4), hit.band, party.list_code, party.name,
                   hit.matched_name, party.countries, party.license_policy, party.federal_register_notice,
                   hit.explanation)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BatchHit:
        return cls(**{**data, "countries": tuple(data.get("countries", ()))})


@dataclass
class Job:
    """One uploaded file being screened: progress, hits per customer, and rows that could not be screened."""

    id: str
    owner: str
    file_name: str
    customers: list[Customer]
    hits: dict[int, list[BatchHit]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    done: int = 0
    list_version: str = ""
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    interrupted: bool = False

    @property
    def finished(self) -> bool:
        return self.done == len(self.customers)

    @property
    def percent(self) -> int:
        return 100 * self.done // max(len(self.customers), 1)

    def record(self) -> ConsoleBatch:
        """The job as stored."""
        return ConsoleBatch(
            id=self.id, owner=self.owner, file_name=self.file_name, created_at=self.created_at,
            finished_at=datetime.now(UTC) if self.finished else None, list_version=self.list_version[:200],
            rows=[asdict(c) for c in self.customers],
            hits={str(row): [asdict(h) for h in hits] for row, hits in self.hits.items() if hits},
            errors={str(row): problem for row, problem in self.errors.items()},
            hit_count=sum(len(hits) for hits in self.hits.values()))

    @classmethod
    def restored(cls, stored: ConsoleBatch) -> Job:
        """A stored batch; one never finished was cut short by a restart."""
        customers = [Customer(**row) for row in stored.rows]
        hits = {int(row): [BatchHit.from_json(h) for h in found] for row, found in stored.hits.items()}
        errors = {int(row): problem for row, problem in stored.errors.items()}
        finished = stored.finished_at is not None
        return cls(stored.id, stored.owner, stored.file_name, customers, hits, errors,
                   done=len(customers) if finished else 0, list_version=stored.list_version,
                   created_at=stored.created_at, interrupted=not finished)


def read_customers(raw: bytes) -> list[Customer]:
    """The rows of a CSV with ``name`` and optional ``country`` and ``customer_id`` (or ``id``) columns."""
    try:
        reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    except UnicodeDecodeError as error:
        raise UploadError("the file is not UTF-8 text") from error
    if not reader.fieldnames or "name" not in [f.strip().lower() for f in reader.fieldnames]:
        raise UploadError("the first line must be a header with a 'name' column (and optionally 'country' "
                          "and 'customer_id')")
    rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
            for row in itertools.islice(reader, MAX_ROWS + 1)]
    if len(rows) > MAX_ROWS:
        raise UploadError(f"at most {MAX_ROWS} customers per file")
    return [Customer(n, r["name"], r.get("country", "").upper(), _customer_id(r)[:100])
            for n, r in enumerate(rows, start=2)]


def _customer_id(row: dict[str, str]) -> str:
    return next((row[column] for column in ID_COLUMNS if row.get(column)), "")


class JobRegistry:
    """The console's running and recent batch jobs, oldest dropped first when more than ``MAX_JOBS`` are held."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, owner: str, file_name: str, customers: list[Customer], screener: Screener,
              on_finish: Callable[[Job], None]) -> Job:
        """Register a job and screen it in a daemon thread; ``on_finish`` runs when every row is screened."""
        job = Job(secrets.token_urlsafe(9), owner, file_name, customers, list_version=screener.list_version)
        with self._lock:
            while len(self._jobs) >= MAX_JOBS:
                self._jobs.pop(next(iter(self._jobs)))
            self._jobs[job.id] = job
        threading.Thread(target=_run, args=(job, screener, on_finish), daemon=True, name=f"batch-{job.id}").start()
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)


def _run(job: Job, screener: Screener, on_finish: Callable[[Job], None]) -> None:
    for customer in job.customers:
        try:
            found = screener.screen(customer.name, customer.country or None, limit=HITS_PER_ROW)
            job.hits[customer.row] = [BatchHit.of(hit) for hit in found]
        except ScreeningInputError as error:
            job.errors[customer.row] = str(error)
        job.done += 1
    on_finish(job)
