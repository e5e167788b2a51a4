"""Every error the API returns has one shape: ``{"code": ..., "message": ..., "details": ...}``.

``code`` is stable and machine-readable; ``message`` is for people. Bad input is always a 4xx.
"""

from __future__ import annotations

import logging
import math
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exportguard.licenses.balance import ShipmentRefused
from exportguard.licenses.lifecycle import IllegalTransition
from exportguard.licenses.status import StatusChangeRefused
from exportguard.store.applications import DateOutOfOrder, FourEyesViolation, NotFound
from exportguard.store.license_ops import LicenseError

_HTTP_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "invalid_request", 429: "too_many_attempts",
}
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_KEY = "exportguard.request_id"
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = logging.getLogger("exportguard.api")


class ErrorBody(BaseModel):
    """The body of every error response."""

    code: str = Field(description="stable, machine-readable, e.g. illegal_transition")
    message: str = Field(description="for people")
    details: Any = None


#: Documented on every operation, so integrators see the real error shape in the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "request body that cannot be parsed", 401: "missing, unknown or revoked API key", 403: "role or four-eyes refusal", 404: "no such record",
        409: "refused by the lifecycle, the license balance or a duplicate", 413: "request body too large",
        422: "input outside the schema or its limits", 429: "too many failed sign-ins or keys: retry after the "
        "`Retry-After` header's seconds", 500: "unexpected error; `details.request_id` names it in the server log",
    }.items()
}


class SafeJSONResponse(JSONResponse):
    """JSON that a stored record cannot make unrenderable.

    A record written before input was checked (or by another tool) may hold a lone surrogate or a
    non-finite number; rather than failing the whole listing, such values are answered as U+FFFD and
    null, and the substitution is logged.
    """

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except (ValueError, UnicodeEncodeError):
            log.warning("response held unencodable values; answered with replacements")
            return super().render(_encodable(content))


def _encodable(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_encodable(key): _encodable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encodable(item) for item in value]
    return value


class RequestId:
    """Gives every request an id (the client's ``X-Request-ID`` when well formed), echoed in the response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        request_id = offered if _CLIENT_REQUEST_ID.match(offered) else uuid.uuid4().hex
        scope[_REQUEST_ID_KEY] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


def request_id(request: Request) -> str:
    """The id :class:`RequestId` gave the request (a new one if it did not run)."""
    found = request.scope.get(_REQUEST_ID_KEY)
    if found is None:
        found = request.scope[_REQUEST_ID_KEY] = uuid.uuid4().hex
    return str(found)


class ApiError(Exception):
    """An error with an HTTP status, a stable ``code`` and a readable message."""

    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The JSON body of an error response."""
    return {"code": code, "message": message, "details": details}


@contextmanager
def translated_store_errors() -> Iterator[None]:
    """Turn the store's and the core's refusals into API errors with stable codes."""
    try:
        yield
    except NotFound as error:
        raise ApiError(404, "not_found", str(error)) from error
    except DateOutOfOrder as error:
        raise ApiError(422, "date_out_of_order", str(error)) from error
    except FourEyesViolation as error:
        raise ApiError(403, "four_eyes", str(error)) from error
    except IllegalTransition as error:
        raise ApiError(409, "illegal_transition", str(error), {"allowed": error.allowed}) from error
    except StatusChangeRefused as error:
        raise ApiError(409, "status_change_refused", str(error), {"allowed": error.allowed}) from error
    except ShipmentRefused as error:
        raise ApiError(409, error.code, str(error)) from error
    except LicenseError as error:
        raise ApiError(409, "conflict", str(error)) from error


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception type the API raises to the one error shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return SafeJSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status,
                            headers=exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"location": [str(part) for part in error["loc"]], "problem": error["msg"]} for error in exc.errors()
    ]
    return SafeJSONResponse(error_body("invalid_request", "the request does not match the schema", problems), 422)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return SafeJSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """The documented error shape for a failure nobody anticipated, logged under the request's id."""
    request_id_ = request_id(request)
    log.error("request %s %s %s failed", request_id_, request.method, request.url.path, exc_info=exc)
    body = error_body("internal_error", "an unexpected error occurred; quote the request id when reporting it",
                      {"request_id": request_id_})
    return SafeJSONResponse(body, 500, headers={REQUEST_ID_HEADER: request_id_})
