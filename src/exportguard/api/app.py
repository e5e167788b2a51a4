"""The FastAPI application: one router module per resource, listed in :data:`ROUTERS`."""

from __future__ import annotations

import importlib

from fastapi import FastAPI
from sqlalchemy import text
from starlette.types import ASGIApp, Receive, Scope, Send

from exportguard import __version__
from exportguard.api.errors import ERROR_RESPONSES, RequestId, SafeJSONResponse, install_error_handlers
from exportguard.api.keycache import KeyCache
from exportguard.api.limits import BodySizeLimit, StrictInput
from exportguard.api.throttle import Throttle
from exportguard.heap import freeze_settled
from exportguard.store.base import make_engine, session_factory
from exportguard.store.groupcommit import AuditWriter
from exportguard.store.refresh import RefreshSchedule, refresh_hours
from exportguard.store.screeners import ListsInForce
from exportguard.web.templating import install_page_errors

#: Modules that each expose ``router`` (a FastAPI APIRouter); add yours here.
ROUTERS = [
    "exportguard.api.routes.screening",
    "exportguard.api.routes.search",
    "exportguard.api.routes.determinations",
    "exportguard.api.routes.applications",
    "exportguard.api.routes.licenses",
    "exportguard.api.routes.users",
    "exportguard.api.routes.audit",
    "exportguard.api.routes.monitoring",
    "exportguard.api.routes.tariffs",
    "exportguard.web.routes",
    "exportguard.api.docs_ui",
]

DESCRIPTION = """\
Restricted-party screening, license determinations, and tracking of BIS license
applications and licenses. Authenticate with the `X-API-Key` header; every write is
recorded in a hash-chained audit log. Errors always carry a machine-readable `code`.
"""


def create_app(database_url: str | None = None) -> FastAPI:
    """The API over the database at ``database_url`` (else ``EXPORTGUARD_DATABASE_URL``, else SQLite)."""
    app = FastAPI(title="exportguard", version=__version__, description=DESCRIPTION, responses=ERROR_RESPONSES,
                  default_response_class=SafeJSONResponse,
                  docs_url=None, redoc_url=None)  # served from local files: api/docs_ui.py
    engine = make_engine(database_url)
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.key_cache = KeyCache()
    app.state.throttle = Throttle()
    app.state.audit_writer = AuditWriter(app.state.sessions)
    # The writer advances the checkpoint after answering: a server that stops leaves it naming the last record.
    app.router.add_event_handler("shutdown", app.state.audit_writer.drain)
    app.state.lists = ListsInForce(app.state.sessions)
    install_error_handlers(app)
    install_page_errors(app)
    # The last added runs first: ids first, then the size cap, then the input check on the capped body.
    app.add_middleware(StrictInput)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(RequestId)
    for module_name in ROUTERS:
        app.include_router(importlib.import_module(module_name).router)
    if refresh_hours() > 0:
        app.state.refresh = RefreshSchedule(app.state.sessions, refresh_hours(), app.state.lists)
        app.router.add_event_handler("startup", app.state.refresh.start)
        app.router.add_event_handler("shutdown", app.state.refresh.stop)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness and database reachability; needs no key."""
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": engine.dialect.name}

    return app


def served_app() -> FastAPI:
    """The app as ``exportguard serve`` runs it: the screening index is built, and frozen out of the
    garbage collector's reach, at start-up rather than by the first query; what the first request builds
    is frozen after it (:class:`FreezeAfterFirstAnswer`)."""
    app = create_app()
    app.router.add_event_handler("startup", app.state.lists.screener)
    app.add_middleware(FreezeAfterFirstAnswer)
    return app


class FreezeAfterFirstAnswer:
    """Freezes the heap once the first HTTP request has been answered (:func:`exportguard.heap.freeze_settled`).

    The framework builds its routing on the first request (about 19,000 objects, after the start-up froze
    the index); left to the collector, every full collection of the server would walk them (6-10 ms
    measured, bench/results/latency.txt).
    """

    def __init__(self, app: ASGIApp):
        self.app = app
        self._first = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if self._first and scope["type"] == "http":
            self._first = False
            freeze_settled()
