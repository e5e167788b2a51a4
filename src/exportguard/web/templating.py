"""The console's Jinja2 environment (autoescaped) and how a page is rendered."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
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


def render(request: Request, template: str, user: WebPrincipal | None, *, status: int = 200, **context: Any) -> Response:
    """A page with the signed-in user (for the header and CSRF fields) and strict security headers."""
    response = TEMPLATES.TemplateResponse(request, template, {"user": user, **context}, status_code=status)
    response.headers.update(SECURITY_HEADERS)
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
