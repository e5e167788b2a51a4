"""Every error the API returns has one shape: ``{"code": ..., "message": ..., "details": ...}``.

``code`` is stable and machine-readable; ``message`` is for people. Bad input is always a 4xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from exportguard.licenses.balance import ShipmentRefused
from exportguard.licenses.lifecycle import IllegalTransition
from exportguard.licenses.status import StatusChangeRefused
from exportguard.store.applications import DateOutOfOrder, FourEyesViolation, NotFound
from exportguard.store.license_ops import LicenseError

_HTTP_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "invalid_request",
}


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
        422: "input outside the schema or its limits",
    }.items()
}


class ApiError(Exception):
    """An error with an HTTP status, a stable ``code`` and a readable message."""

    def __init__(self, status: int, code: str, message: str, details: Any = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


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


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"location": [str(part) for part in error["loc"]], "problem": error["msg"]} for error in exc.errors()
    ]
    return JSONResponse(error_body("invalid_request", "the request does not match the schema", problems), 422)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)
