"""Writing and querying license applications; every change passes the lifecycle table and is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exportguard.licenses import deadlines
from exportguard.licenses.lifecycle import DECISIONS, State, check_transition, is_final
from exportguard.store import audit
from exportguard.store.licensing import Application, ApplicationEvent
from exportguard.store.users import one_pair_of_eyes


class NotFound(LookupError):
    """No record with the given id."""


class DateOutOfOrder(ValueError):
    """A state dated before the state it follows: deadlines would run backwards."""


class FourEyesViolation(PermissionError):
    """The same person may not both prepare a record and approve it."""


@dataclass(frozen=True)
class Transition:
    """A requested state change, dated as BIS dated it."""

    target: State
    on: date
    note: str = ""
    acn: str | None = None
    riders: tuple[str, ...] = ()


def create_application(session: Session, fields: dict[str, Any], actor: str, on: date) -> Application:
    """Draft a new application."""
    application = Application(**fields, state=State.DRAFT, riders=[], created_by=actor, created_at=_now())
    session.add(application)
    session.flush()
    session.add(_event(application, State.DRAFT, on, actor, "drafted"))
    audit.append(session, actor, "application.draft", _subject(application), fields)
    return application


def get_application(session: Session, application_id: int, *, lock: bool = False) -> Application:
    """The application, locked against concurrent changes when ``lock`` (PostgreSQL row lock)."""
    query = select(Application).where(Application.id == application_id)
    found = session.scalars(query.with_for_update() if lock else query).first()
    if found is None:
        raise NotFound(f"no application {application_id}")
    return found


def transition(session: Session, application_id: int, change: Transition, actor: str) -> Application:
    """Move the application to ``change.target`` if the lifecycle allows it and the actor may."""
    application = get_application(session, application_id, lock=True)
    check_transition(State(application.state), change.target)
    previous = application.events[-1].on
    if change.on < previous:
        raise DateOutOfOrder(f"{change.target} is dated {change.on}, before the current state's {previous}")
    if change.target in DECISIONS and one_pair_of_eyes(session, application.created_by, actor):
        raise FourEyesViolation(f"{actor} drafted application {application_id}, or created or was created by "
                                f"its drafter's account, and may not record its decision")
    application.state = change.target
    if change.acn:
        application.acn = change.acn
    if change.riders:
        application.riders = [*application.riders, *change.riders]
    session.add(_event(application, change.target, change.on, actor, change.note))
    details = {"to": change.target, "on": change.on, "note": change.note, "acn": change.acn,
               "riders": list(change.riders)}
    audit.append(session, actor, "application.transition", _subject(application), details)
    session.flush()
    return application


def list_applications(session: Session, state: State | None, limit: int, offset: int) -> list[Application]:
    """Applications, newest first, optionally only those in ``state``."""
    query = select(Application).order_by(Application.id.desc()).limit(limit).offset(offset)
    if state is not None:
        query = query.where(Application.state == state)
    return list(session.scalars(query))


def history(application: Application) -> list[tuple[State, date]]:
    """The (state, date entered) pairs of the application, oldest first."""
    return [(State(event.state), event.on) for event in application.events]


def overdue_applications(session: Session, today: date) -> list[tuple[Application, list[deadlines.Deadline]]]:
    """Open applications with at least one deadline passed unmet, oldest first."""
    found = []
    for application in session.scalars(select(Application).order_by(Application.id)):
        if is_final(State(application.state)):
            continue
        missed = deadlines.overdue(history(application), today)
        if missed:
            found.append((application, missed))
    return found


def _event(application: Application, state: State, on: date, actor: str, note: str) -> ApplicationEvent:
    return ApplicationEvent(application=application, state=state, on=on, recorded_at=_now(), actor=actor, note=note)


def _subject(application: Application) -> str:
    return f"application:{application.id}"


def _now() -> datetime:
    return datetime.now(UTC)
