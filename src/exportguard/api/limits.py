"""Input limits shared by every route, and the middleware that caps request bodies."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exportguard.api.errors import error_body

MAX_BODY_BYTES = 2_000_000
MAX_BATCH = 1000
MAX_TEXT = 500
MAX_LIST_ITEMS = 100
#: Text without control characters (tab and newlines allowed): NUL cannot be stored in PostgreSQL.
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


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
    body = json.dumps(error_body("payload_too_large", f"request bodies are limited to {limit} bytes")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
