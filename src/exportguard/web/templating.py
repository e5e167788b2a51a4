"""The console's Jinja2 environment (autoescaped) and how a page is rendered."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from exportguard.web.session import WebPrincipal, signed_in

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def highlight_match(names: tuple[str, ...], matched: str) -> Markup:
    """The entry's names joined by ``; `` with the first occurrence of the matched name marked."""
    marked, out = False, []
    for name in names:
        at = -1 if marked else name.casefold().find(matched.casefold())
        if at < 0:
            out.append(escape(name))
            continue
        end = at + len(matched)
        out.append(Markup("{}<mark>{}</mark>{}").format(name[:at], name[at:end], name[end:]))
        marked = True
    return Markup("; ").join(out)


def combine_query(query: dict[str, Any], **changes: Any) -> str:
    """A page's query string with some parameters changed (sort, page, view links)."""
    return urlencode({**query, **changes})


TEMPLATES.env.filters["highlight_match"] = highlight_match
TEMPLATES.env.filters["combine_query"] = combine_query
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def render(request: Request, template: str, user: WebPrincipal | None, *, status: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> Response:
    """A page with the signed-in user (for the header and CSRF fields) and strict security headers."""
    response = TEMPLATES.TemplateResponse(request, template, {"user": user, **context}, status_code=status)
    response.headers.update({**SECURITY_HEADERS, **(headers or {})})
    return response


class PageError(Exception):
    """A console page that cannot be shown: rendered as a page with a way back, never as raw JSON."""

    def __init__(self, status: int, heading: str, message: str, back_href: str = "/console/screen",
                 back_label: str = "Back to the console"):
        super().__init__(message)
        self.status, self.heading, self.message = status, heading, message
        self.back_href, self.back_label = back_href, back_label


async def page_error(request: Request, exc: Exception) -> Response:
    """The exception handler for :class:`PageError`."""
    assert isinstance(exc, PageError)
    return render(request, "error.html", signed_in(request), status=exc.status, heading=exc.heading,
                  message=exc.message, back_href=exc.back_href, back_label=exc.back_label)


def install_page_errors(app: FastAPI) -> None:
    """Console pages asked for by a browser show their errors as pages; API clients keep the JSON error body."""
    api_handler = app.exception_handlers[StarletteHTTPException]

    async def handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        wants_page = "text/html" in request.headers.get("accept", "") and request.url.path.startswith("/console")
        if not wants_page or exc.status_code < 400:
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        return render(request, "error.html", signed_in(request), status=exc.status_code,
                      heading=ERROR_HEADINGS.get(exc.status_code, "Something went wrong"), message=str(exc.detail))

    app.add_exception_handler(StarletteHTTPException, handler)
    app.add_exception_handler(PageError, page_error)


ERROR_HEADINGS = {403: "Not allowed", 404: "Not found", 409: "Not recorded", 422: "Check the form"}
