"""Upload a customer file for batch screening, watch its progress, and work through the review queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from exportguard.matching.model import Hit
from exportguard.store.writes import write_transaction
from exportguard.web import dispositions, session
from exportguard.web.batch_jobs import Customer, Job, JobRegistry, UploadError, read_customers
from exportguard.web.templating import render

router = APIRouter()
JOBS = JobRegistry()
Short = Annotated[str, Form(max_length=100)]


@dataclass(frozen=True)
class QueueRow:
    """One open hit of one customer."""

    customer: Customer
    hit: Hit


@router.get("/batch")
def upload_form(request: Request) -> Response:
    return render(request, "batch_upload.html", session.require(request, "analyst", "reviewer"))


@router.post("/batch")
async def upload(request: Request, csrf: Short, customers: Annotated[UploadFile, File()]) -> Response:
    """Read the CSV, start screening it in the background and show its progress."""
    user = session.require(request, "analyst", "reviewer")
    session.check_csrf(user, csrf)
    try:
        rows = read_customers(await customers.read())
    except UploadError as error:
        return render(request, "batch_upload.html", user, status=422, error=str(error))
    writer = request.app.state.audit_writer
    job = JOBS.start(user.name, (customers.filename or "upload.csv")[:200], rows, request.app.state.lists.screener(),
                     on_finish=lambda done: writer.append(user.name, "screen.batch", f"batch:{done.id}",
                                                          _audit_summary(done)))
    return RedirectResponse(f"/console/batch/{job.id}", 303)


@router.get("/batch/{job_id}/progress")
def progress(request: Request, job_id: str) -> dict[str, Any]:
    session.require(request)
    job = _job(job_id)
    return {"done": job.done, "total": len(job.customers), "percent": job.percent, "finished": job.finished}


@router.get("/batch/{job_id}")
def queue(request: Request, job_id: str, min_score: Annotated[float, Query(ge=0, le=1)] = 0.8,
          list_code: Annotated[str, Query(max_length=10)] = "", country: Annotated[str, Query(max_length=2)] = "",
          ) -> Response:
    """The review queue: open hits filtered by score, list and customer country; progress while screening."""
    user = session.require(request)
    job = _job(job_id)
    filters: dict[str, Any] = {"min_score": min_score, "list_code": list_code.upper(), "country": country.upper()}
    # Decided once: the job finishes in another thread, and a page that showed the progress bar while
    # rendering the finished queue (from no rows) would show an empty queue and never refresh.
    if not job.finished:
        return render(request, "batch_queue.html", user, job=job, finished=False, filters=filters, rows=[])
    with request.app.state.sessions() as db:
        rows = [row for row in _open_rows(db, job) if _matches(row, **filters)]
    lists = sorted({hit.party.list_code for hits in job.hits.values() for hit in hits})
    return render(request, "batch_queue.html", user, job=job, finished=True, rows=rows, filters=filters, lists=lists,
                  decisions=dispositions.DECISIONS, back=urlencode(filters))


@router.post("/batch/{job_id}/dispositions")
def bulk_disposition(request: Request, job_id: str, csrf: Short, decision: Short,
                     reason: Annotated[str, Form(min_length=3, max_length=2000)],
                     selected: Annotated[list[str], Form(max_length=1000)], back: Annotated[str, Form(max_length=200)] = "",
                     ) -> Response:
    """Record one decision with one reason for every selected hit (``row|entry key``)."""
    user = session.require(request, "reviewer")
    session.check_csrf(user, csrf)
    if decision not in dispositions.DECISIONS:
        raise HTTPException(422, f"decision must be one of {', '.join(dispositions.DECISIONS)}")
    job = _job(job_id)
    chosen = [_selected_hit(job, value) for value in selected]
    with write_transaction(request.app.state.sessions) as db:
        for customer, hit in chosen:
            screened = dispositions.party_key(customer.name, customer.country)
            dispositions.record(db, user.name, hit.party, screened, decision, reason.strip())
    return RedirectResponse(f"/console/batch/{job.id}?{back}" if back.startswith("min_score=") else
                            f"/console/batch/{job.id}", 303)


def _job(job_id: str) -> Job:
    job = JOBS.get(job_id[:50])
    if job is None:
        raise HTTPException(404, "no such batch in this server; upload the file again")
    return job


def _open_rows(db: Any, job: Job) -> list[QueueRow]:
    rows = []
    for customer in job.customers:
        hits = job.hits.get(customer.row, [])
        decided = dispositions.current(db, dispositions.party_key(customer.name, customer.country), hits) if hits else {}
        rows += [QueueRow(customer, hit) for hit in hits if hit.party.key not in decided]
    return rows


def _matches(row: QueueRow, min_score: float, list_code: str, country: str) -> bool:
    return (row.hit.score >= min_score and (not list_code or row.hit.party.list_code == list_code)
            and (not country or row.customer.country == country))


def _selected_hit(job: Job, value: str) -> tuple[Customer, Hit]:
    row_text, _, entry_key = value.partition("|")
    customer = next((c for c in job.customers if str(c.row) == row_text), None)
    hit = next((h for h in job.hits.get(customer.row, []) if h.party.key == entry_key), None) if customer else None
    if customer is None or hit is None:
        raise HTTPException(422, f"{value!r} is not a hit of this batch")
    return customer, hit


def _audit_summary(job: Job) -> dict[str, Any]:
    return {"file": job.file_name, "customers": len(job.customers), "errors": len(job.errors),
            "hits": {str(row): [h.party.key for h in hits] for row, hits in job.hits.items() if hits}}

