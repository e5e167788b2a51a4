"""``/applications``: draft, track and move license applications through the BIS lifecycle."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from exportguard.api.auth import Analyst, Caller, ReadSession, Sessions
from exportguard.api.errors import ApiError, translated_store_errors
from exportguard.api.schemas import Country, Day, Items, LongText, Parties, RecordId, Riders, Strict, Text, cents
from exportguard.api.views import ApplicationOut, ApplicationSummary, OverdueApplication
from exportguard.licenses import deadlines
from exportguard.licenses.lifecycle import DECISIONS, State, allowed_after
from exportguard.store import applications as store
from exportguard.store.licensing import Application
from exportguard.store.writes import write_transaction

router = APIRouter(prefix="/applications", tags=["applications"])
DECIDERS = frozenset({"reviewer", "admin"})


class ApplicationDraft(Strict):
    """A new application: who applies, for what, to whom."""

    title: Text
    applicant: Text
    destination: Country
    end_use: LongText = ""
    parties: Parties
    items: Items
    drafted_on: Day | None = None


class TransitionRequest(Strict):
    """Move an application to ``to``, dated ``on`` (the date BIS acted, default today)."""

    to: State
    on: Day | None = None
    note: LongText = ""
    acn: Annotated[str | None, Field(pattern=r"^[A-Z][0-9]{6}$", description="Application Control Number")] = None
    riders: Riders = Field(default_factory=list)


@router.post("", status_code=201, summary="Draft a license application", response_model=ApplicationOut)
def draft(request: ApplicationDraft, caller: Analyst, factory: Sessions) -> dict[str, Any]:
    fields = application_fields(request)
    with write_transaction(factory) as session:
        created = store.create_application(session, fields, caller.name, request.drafted_on or date.today())
        return view(created, date.today())


@router.get("", summary="List applications, newest first", response_model=list[ApplicationSummary])
def list_applications(
    _caller: Caller, session: ReadSession, state: State | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> list[dict[str, Any]]:
    return [summary(found) for found in store.list_applications(session, state, limit, offset)]


@router.get("/overdue", summary="Open applications with a missed deadline", response_model=list[OverdueApplication])
def overdue(_caller: Caller, session: ReadSession, today: Day | None = None) -> list[dict[str, Any]]:
    as_of = today or date.today()
    return [
        {**summary(found), "overdue": [_deadline(d, as_of) for d in missed]}
        for found, missed in store.overdue_applications(session, as_of)
    ]


@router.get("/{application_id}", summary="One application with its history and deadlines", response_model=ApplicationOut)
def get(application_id: RecordId, _caller: Caller, session: ReadSession, today: Day | None = None) -> dict[str, Any]:
    with translated_store_errors():
        return view(store.get_application(session, application_id), today or date.today())


@router.post("/{application_id}/transitions", summary="Move an application to its next state", response_model=ApplicationOut)
def move(application_id: RecordId, request: TransitionRequest, caller: Analyst, factory: Sessions) -> dict[str, Any]:
    if request.to in DECISIONS and caller.role not in DECIDERS:
        raise ApiError(403, "forbidden", f"recording {request.to} needs the reviewer role")
    change = store.Transition(request.to, request.on or date.today(), request.note, request.acn,
                              tuple(request.riders))
    with translated_store_errors(), write_transaction(factory) as session:
        return view(store.transition(session, application_id, change, caller.name), date.today())


def application_fields(request: ApplicationDraft) -> dict[str, Any]:
    """The stored fields of a drafted application, with its total value (the API and the console draft alike)."""
    fields = request.model_dump(mode="json", exclude={"drafted_on"})
    fields["total_value_cents"] = sum(cents(item.value) for item in request.items)
    return fields


def summary(application: Application) -> dict[str, Any]:
    """The listing form of an application."""
    return {"id": application.id, "acn": application.acn, "title": application.title,
            "applicant": application.applicant, "destination": application.destination,
            "state": application.state, "created_by": application.created_by,
            "total_value": application.total_value_cents / 100}


def view(application: Application, today: date) -> dict[str, Any]:
    """The full form: parties, items, history, deadlines and the states that may follow."""
    history = store.history(application)
    return {
        **summary(application), "end_use": application.end_use, "parties": application.parties,
        "items": application.items, "riders": application.riders,
        "effective_state": deadlines.effective_state(history, today),
        "allowed_transitions": sorted(allowed_after(State(application.state))),
        "history": [{"state": e.state, "on": e.on, "actor": e.actor, "note": e.note} for e in application.events],
        "deadlines": [_deadline(d, today) for d in deadlines.deadlines(history, today)],
    }


def _deadline(deadline: deadlines.Deadline, today: date) -> dict[str, Any]:
    return {"name": deadline.name, "due": deadline.due, "citation": deadline.citation,
            "explanation": deadline.explanation, "met_on": deadline.met_on, "overdue": deadline.overdue(today)}
