"""Upload a customer file for batch screening, watch its progress, and work through the review queue.

Bulk dispositions are made safe the way a reviewer expects: the selection is counted, exact (1.00)
matches are left out unless the reviewer includes them, and nothing is recorded before a confirmation
page naming every hit has been accepted. Every disposition can be undone from the decided view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from exportguard.lists.freshness import dated_lists
from exportguard.matching.grouping import entity_family, family_label
from exportguard.store import console_batches
from exportguard.store.writes import write_transaction
from exportguard.web import dispositions, exports, session
from exportguard.web.batch_jobs import BatchHit, Customer, Job, JobRegistry, UploadError, read_customers
from exportguard.web.dispositions import Disposition
from exportguard.web.templating import PageError, render

router = APIRouter()
JOBS = JobRegistry()
Short = Annotated[str, Form(max_length=100)]
PAGE_SIZE = 50
SORTS = ("score", "row", "customer", "list")
QUEUE_COLUMNS = ("row", "customer_id", "customer", "country", "score", "band", "list", "entry", "entry_key",
                 "matched_name", "decision", "reason", "decided_by", "decided_at")


@dataclass(frozen=True)
class QueueRow:
    """One hit of one customer, with the disposition in force for it, if any."""

    customer: Customer
    hit: BatchHit
    decided: Disposition | None = None

    @property
    def value(self) -> str:
        """How a form names this hit: ``row|entry key``."""
        return f"{self.customer.row}|{self.hit.entry_key}"


@dataclass(frozen=True)
class QueueGroup:
    """The hits of one customer on one listed entity family (an entity's rows at several addresses, a parent
    with its listed affiliates), best row first: one line of the review queue."""

    rows: tuple[QueueRow, ...]

    @property
    def best(self) -> QueueRow:
        return self.rows[0]

    @property
    def others(self) -> tuple[QueueRow, ...]:
        return self.rows[1:]

    @property
    def label(self) -> str:
        """'Huawei Technologies Co., Ltd. (3 listed rows) and 33 listed affiliates'."""
        return family_label(self.best.hit.name, [row.hit.name for row in self.rows])


def grouped(rows: list[QueueRow]) -> list[QueueGroup]:
    """Rows folded per customer and listed entity family, each group in the screener's order (best row first,
    the headquarters before affiliates among equal scores), groups in the order of their first row."""
    families: dict[tuple[int, str], list[QueueRow]] = {}
    for row in rows:
        families.setdefault((row.customer.row, entity_family(row.hit.name)), []).append(row)
    return [QueueGroup(tuple(sorted(members, key=lambda row: -row.hit.score))) for members in families.values()]


@router.get("/batch")
def upload_form(request: Request) -> Response:
    """The upload form and the batches kept in the store, newest first."""
    user = session.require(request, "analyst", "reviewer")
    with request.app.state.sessions() as db:
        batches = console_batches.recent(db)
    return render(request, "batch_upload.html", user, batches=batches)


@router.post("/batch")
async def upload(request: Request, csrf: Short, customers: Annotated[UploadFile, File()]) -> Response:
    """Read the CSV, start screening it in the background and show its progress."""
    user = session.require(request, "analyst", "reviewer")
    session.check_csrf(user, csrf)
    try:
        rows = read_customers(await customers.read())
    except UploadError as error:
        with request.app.state.sessions() as db:
            batches = console_batches.recent(db)
        return render(request, "batch_upload.html", user, status=422, error=str(error), batches=batches)
    factory, writer = request.app.state.sessions, request.app.state.audit_writer

    def finished(done: Job) -> None:
        with write_transaction(factory) as db:
            console_batches.save(db, done.record())
        writer.append(user.name, "screen.batch", f"batch:{done.id}", _audit_summary(done))

    job = JOBS.start(user.name, (customers.filename or "upload.csv")[:200], rows, request.app.state.lists.screener(),
                     on_finish=finished)
    if not job.finished:  # a tiny file may already be done, and saved, by the time we get here
        with write_transaction(factory) as db:
            console_batches.save(db, job.record())
    return RedirectResponse(f"/console/batch/{job.id}", 303)


@router.get("/batch/{job_id}/progress")
def progress(request: Request, job_id: str) -> dict[str, Any]:
    session.require(request)
    job = _job(request, job_id)
    return {"done": job.done, "total": len(job.customers), "percent": job.percent, "finished": job.finished}


@router.get("/batch/{job_id}")
def queue(request: Request, job_id: str, min_score: Annotated[float, Query(ge=0, le=1)] = 0.8,
          list_code: Annotated[str, Query(max_length=10)] = "", country: Annotated[str, Query(max_length=2)] = "",
          view: Annotated[str, Query(pattern="^(open|decided)$")] = "open",
          sort: Annotated[str, Query(pattern="^(score|row|customer|list)$")] = "score",
          page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    """The review queue: open (or decided) hits filtered by score, list and country, sorted and paged."""
    user = session.require(request)
    job = _job(request, job_id)
    filters: dict[str, Any] = {"min_score": min_score, "list_code": list_code.upper(), "country": country.upper()}
    # Decided once: the job finishes in another thread, and a page that showed the progress bar while
    # rendering the finished queue (from no rows) would show an empty queue and never refresh.
    if not job.finished:
        return render(request, "batch_queue.html", user, job=job, finished=False, filters=filters, rows=[])
    with request.app.state.sessions() as db:
        every = _rows(db, job)
    shown = [r for r in every if _matches(r, **filters) and (r.decided is None) == (view == "open")]
    # The open queue is read group by group (customer x listed entity family), so one customer's dozens of
    # rows on one entity never push another entity's hit off the page; decided hits are listed one by one.
    groups = _sorted(grouped(shown), sort) if view == "open" else [QueueGroup((row,)) for row in _sorted(shown, sort)]
    pages = max(1, -(-len(groups) // PAGE_SIZE))
    page = min(page, pages)
    lists = sorted({h.list_code for hits in job.hits.values() for h in hits})
    query = {**filters, "view": view, "sort": sort}
    return render(request, "batch_queue.html", user, job=job, finished=True, filters=filters, lists=lists,
                  dated=_dates_if_still_in_force(request, job), groups=groups[(page - 1) * PAGE_SIZE: page * PAGE_SIZE],
                  group_total=len(groups), first=(page - 1) * PAGE_SIZE, total=len(shown), page=page, pages=pages,
                  view=view, sort=sort, sorts=SORTS, query=query, back=urlencode(query),
                  open_count=sum(r.decided is None for r in every), decided_count=sum(r.decided is not None for r in every),
                  decisions=dispositions.DECISIONS)


@router.get("/batch/{job_id}/export.csv")
def export_queue(request: Request, job_id: str, view: Annotated[str, Query(pattern="^(open|decided|all)$")] = "all",
                 ) -> Response:
    """Every hit of the batch (open, decided or all) as CSV, with the customer id and any disposition."""
    session.require(request)
    job = _job(request, job_id)
    with request.app.state.sessions() as db:
        rows = [r for r in _rows(db, job) if view == "all" or (r.decided is None) == (view == "open")]
    return exports.csv_response(f"batch-{job.id}-{view}.csv", QUEUE_COLUMNS, [_csv_row(r) for r in rows])


@router.post("/batch/{job_id}/dispositions")
def bulk_disposition(request: Request, job_id: str, csrf: Short, decision: Short,
                     reason: Annotated[str, Form(min_length=3, max_length=2000)],
                     selected: Annotated[list[str], Form(max_length=1000)], back: Annotated[str, Form(max_length=300)] = "",
                     include_exact: Annotated[bool, Form()] = False,
                     confirmed: Annotated[int, Form(ge=-1, le=1000)] = -1) -> Response:
    """One decision with one reason for the selected hits (``row|entry key``), once the reviewer confirms.

    The first post shows what would be recorded (count, hits, exact matches left out); only a second
    post carrying the confirmed count records anything.
    """
    user = session.require(request, "reviewer")
    session.check_csrf(user, csrf)
    if decision not in dispositions.DECISIONS:
        raise HTTPException(422, f"decision must be one of {', '.join(dispositions.DECISIONS)}")
    job = _job(request, job_id)
    with request.app.state.sessions() as db:
        chosen = [row for row in _rows(db, job) if row.value in set(selected) and row.decided is None]
    exact = [row for row in chosen if row.hit.exact]
    chosen = chosen if include_exact else [row for row in chosen if not row.hit.exact]
    if confirmed != len(chosen) or not chosen:
        return render(request, "batch_confirm.html", user, job=job, rows=chosen, excluded=[] if include_exact else exact,
                      decision=decision, label=dispositions.DECISIONS[decision], reason=reason.strip(),
                      include_exact=include_exact, back=back, stale=confirmed >= 0)
    with write_transaction(request.app.state.sessions) as db:
        for row in chosen:
            dispositions.record_entry(db, user.name, row.hit.entry_key, row.hit.fingerprint,
                                      dispositions.party_key(row.customer.name, row.customer.country), decision,
                                      reason.strip())
    return RedirectResponse(_back(job, back), 303)


@router.post("/batch/{job_id}/undo")
def undo_disposition(request: Request, job_id: str, csrf: Short, hit: Annotated[str, Form(max_length=200)],
                     back: Annotated[str, Form(max_length=300)] = "") -> Response:
    """Withdraw the disposition of one hit of the batch; the hit is open again."""
    user = session.require(request, "reviewer")
    session.check_csrf(user, csrf)
    job = _job(request, job_id)
    customer, found = _selected_hit(job, hit)
    screened = dispositions.party_key(customer.name, customer.country)
    try:
        with write_transaction(request.app.state.sessions) as db:
            dispositions.undo(db, user.name, screened, found.entry_key, f"undone by {user.name} from batch {job.id}")
    except LookupError as error:
        raise HTTPException(409, str(error)) from error
    return RedirectResponse(_back(job, back), 303)


def _dates_if_still_in_force(request: Request, job: Job) -> dict[str, Any] | None:
    """The as-of dates of the lists the batch was screened on, known while those lists are still in force."""
    screener = request.app.state.lists.screener()
    return dated_lists(screener.snapshot) if screener.list_version == job.list_version else None


def _back(job: Job, back: str) -> str:
    return f"/console/batch/{job.id}?{back}" if back.startswith("min_score=") else f"/console/batch/{job.id}"


def _job(request: Request, job_id: str) -> Job:
    job = JOBS.get(job_id[:50])
    if job is not None:
        return job
    with request.app.state.sessions() as db:
        stored = console_batches.get(db, job_id[:50])
    if stored is None:
        raise PageError(404, "No such batch", f"There is no batch {job_id[:50]!r}. Past batches are listed on "
                        "the batch page.", "/console/batch", "Past batches")
    return Job.restored(stored)


def _rows(db: Any, job: Job) -> list[QueueRow]:
    """Every hit of the batch with the disposition in force for it (the log is read once for the batch)."""
    screened = {c.row: dispositions.party_key(c.name, c.country) for c in job.customers}
    prints: dict[str, dict[str, str]] = {}
    for customer in job.customers:
        prints.setdefault(screened[customer.row], {}).update(
            {h.entry_key: h.fingerprint for h in job.hits.get(customer.row, [])})
    decided = dispositions.current_for_many(db, prints)
    return [QueueRow(customer, hit, decided.get(screened[customer.row], {}).get(hit.entry_key))
            for customer in job.customers for hit in job.hits.get(customer.row, [])]


def _matches(row: QueueRow, min_score: float, list_code: str, country: str) -> bool:
    return (row.hit.score >= min_score and (not list_code or row.hit.list_code == list_code)
            and (not country or row.customer.country == country))


def _sorted(items: list[Any], sort: str) -> list[Any]:
    """Rows, or groups by their best row, in the order asked for."""
    keys = {"score": lambda r: (-r.hit.score, r.customer.row), "row": lambda r: (r.customer.row, -r.hit.score),
            "customer": lambda r: (r.customer.name.casefold(), -r.hit.score),
            "list": lambda r: (r.hit.list_code, -r.hit.score)}
    return sorted(items, key=lambda item: keys[sort](item.best if isinstance(item, QueueGroup) else item))


def _selected_hit(job: Job, value: str) -> tuple[Customer, BatchHit]:
    row_text, _, entry_key = value.partition("|")
    customer = next((c for c in job.customers if str(c.row) == row_text), None)
    hit = next((h for h in job.hits.get(customer.row, []) if h.entry_key == entry_key), None) if customer else None
    if customer is None or hit is None:
        raise HTTPException(422, f"{value!r} is not a hit of this batch")
    return customer, hit


def _csv_row(row: QueueRow) -> dict[str, Any]:
    decided = row.decided
    return {"row": row.customer.row, "customer_id": row.customer.customer_id, "customer": row.customer.name,
            "country": row.customer.country, "score": row.hit.score, "band": row.hit.band, "list": row.hit.list_code,
            "entry": row.hit.name, "entry_key": row.hit.entry_key, "matched_name": row.hit.matched_name,
            "decision": decided.decision if decided else "", "reason": decided.reason if decided else "",
            "decided_by": decided.actor if decided else "", "decided_at": decided.at if decided else ""}


def _audit_summary(job: Job) -> dict[str, Any]:
    return {"file": job.file_name, "customers": len(job.customers), "errors": len(job.errors),
            "list_version": job.list_version,
            "hits": {str(row): [h.entry_key for h in hits] for row, hits in job.hits.items() if hits}}
