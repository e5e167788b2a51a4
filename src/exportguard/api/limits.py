"""Input limits shared by every route, and the middleware that caps request bodies."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exportguard.api.errors import error_body

MAX_BODY_BYTES = 2_000_000
MAX_BATCH = 1000
MAX_TEXT = 500
MAX_LIST_ITEMS = 100
#: Text without control characters (tab and newlines allowed): NUL cannot be stored in PostgreSQL.
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
#: The largest integer a JSON body may carry: what both databases store as a 64-bit integer.
MAX_JSON_INTEGER = 2**63 - 1
#: How deeply a JSON body may nest (a transaction's parties and items are 3 deep).
MAX_JSON_DEPTH = 32


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """Rejects request bodies over ``MAX_BODY_BYTES`` with 413, whether or not Content-Length is sent."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            await _reject(send, self.limit)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _TooLarge:
            await _reject(send, self.limit)


async def _reject(send: Send, limit: int) -> None:
    await _respond(send, 413, error_body("payload_too_large", f"request bodies are limited to {limit} bytes"))


class JsonRefused(ValueError):
    """A JSON body that parses but that no database or client can hold faithfully."""

    def __init__(self, location: list[str], problem: str):
        super().__init__(problem)
        self.location, self.problem = location, problem


def _refuse_constant(name: str) -> Any:
    raise JsonRefused([], f"{name} is not a number JSON allows")


def _finite_float(text: str) -> Decimal:
    number = Decimal(text)
    if not math.isfinite(float(number)):
        raise JsonRefused([], f"number {text[:40]} is out of range")
    return number


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or abs(int(text)) > MAX_JSON_INTEGER:
        raise JsonRefused([], f"integer {text[:40]} is out of range (at most {MAX_JSON_INTEGER})")
    return int(text)


def check_json(body: bytes) -> None:
    """Refuse a JSON body holding NaN, Infinity, out-of-range numbers, lone surrogates or NUL.

    Python's parser accepts all of them, and each later fails somewhere else: PostgreSQL refuses NUL
    and non-finite numbers, SQLite stores NaN, and a lone surrogate cannot be encoded as UTF-8 when
    the record is read back — which would break every listing that includes it.
    """
    try:
        document = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float,
                              parse_int=_bounded_int)
    except JsonRefused:
        raise
    except (ValueError, RecursionError):
        return  # not JSON at all: the route's own parser answers 400/422 with its reason
    _check_value(document, [], 0)


def _check_value(value: Any, location: list[str], depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise JsonRefused(location, f"nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        _check_text(value, location)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, [*location, key[:50]])
            _check_value(item, [*location, key[:50]], depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(item, [*location, str(index)], depth + 1)


def _check_text(text: str, location: list[str]) -> None:
    if "\x00" in text:
        raise JsonRefused(location, "text contains NUL")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise JsonRefused(location, "text contains a lone surrogate (not a Unicode character)") from error


def check_text_fields(location: str, pairs: list[tuple[str, str]]) -> None:
    """Refuse NUL in a query string's or a form's fields (PostgreSQL cannot store it, in any column)."""
    for name, value in pairs:
        _check_text(name, [location])
        _check_text(value, [location, name[:50]])


class StrictInput:
    """Answers 422 ``invalid_request`` before any route runs when the path, the query string or a form holds
    NUL, or a JSON body holds what :func:`check_json` refuses."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        checks_body = b"json" in content_type or b"x-www-form-urlencoded" in content_type
        messages, body = [], b""
        while checks_body:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        try:
            _check_text(scope["path"], ["path"])
            check_text_fields("query", parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                                                 keep_blank_values=True))
            if b"json" in content_type:
                check_json(body)
            elif checks_body:
                check_text_fields("form", parse_qsl(body.decode("latin-1"), keep_blank_values=True))
        except JsonRefused as refused:
            where = refused.location if refused.location[:1] in (["path"], ["query"], ["form"]) else \
                ["body", *refused.location]
            details = [{"location": where, "problem": refused.problem}]
            await _respond(send, 422, error_body("invalid_request", "the request cannot be stored", details))
            return
        replay = iter(messages)

        async def replayed() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, replayed, send)


async def _respond(send: Send, status: int, body_json: dict[str, Any]) -> None:
    body = json.dumps(body_json).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
