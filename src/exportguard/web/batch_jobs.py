"""Batch screening of an uploaded customer file, run in a background thread with visible progress.

Jobs live in the server process (the review queue is rebuilt from a new upload after a restart);
the dispositions recorded from the queue are in the audit log and outlive the job.
"""

from __future__ import annotations

import csv
import io
import itertools
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from exportguard.matching.model import Hit
from exportguard.matching.screener import Screener, ScreeningInputError

MAX_ROWS = 5000
MAX_JOBS = 20


class UploadError(ValueError):
    """A customer file that cannot be screened; the message names the problem and the row."""


@dataclass(frozen=True)
class Customer:
    """One row of the uploaded file."""

    row: int
    name: str
    country: str


@dataclass
class Job:
    """One uploaded file being screened: progress, hits per customer, and rows that could not be screened."""

    id: str
    owner: str
    file_name: str
    customers: list[Customer]
    hits: dict[int, list[Hit]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    done: int = 0

    @property
    def finished(self) -> bool:
        return self.done == len(self.customers)

    @property
    def percent(self) -> int:
        return 100 * self.done // max(len(self.customers), 1)


def read_customers(raw: bytes) -> list[Customer]:
    """The rows of a CSV with ``name`` and ``country`` columns (UTF-8, header row required)."""
    try:
        reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    except UnicodeDecodeError as error:
        raise UploadError("the file is not UTF-8 text") from error
    if not reader.fieldnames or "name" not in [f.strip().lower() for f in reader.fieldnames]:
        raise UploadError("the first line must be a header with a 'name' column (and optionally 'country')")
    rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
            for row in itertools.islice(reader, MAX_ROWS + 1)]
    if len(rows) > MAX_ROWS:
        raise UploadError(f"at most {MAX_ROWS} customers per file")
    return [Customer(n, r["name"], r.get("country", "").upper()) for n, r in enumerate(rows, start=2)]


class JobRegistry:
    """The console's batch jobs, oldest dropped first when more than ``MAX_JOBS`` are held."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, owner: str, file_name: str, customers: list[Customer], screener: Screener,
              on_finish: Callable[[Job], None]) -> Job:
        """Register a job and screen it in a daemon thread; ``on_finish`` runs when every row is screened."""
        job = Job(secrets.token_urlsafe(9), owner, file_name, customers)
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
            job.hits[customer.row] = screener.screen(customer.name, customer.country or None)
        except ScreeningInputError as error:
            job.errors[customer.row] = str(error)
        job.done += 1
    on_finish(job)
