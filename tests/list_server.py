"""A local HTTP server standing in for the official list sources, able to misbehave on request.

It serves files from memory with an ETag and Last-Modified, answers 304 to a matching conditional
request, and can be told to fail the next requests for a path in one of the ways real servers do.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: Faults a path can be given: each applies to the next request(s) for it.
FAULTS = ("timeout", "500", "truncated", "html", "reset", "no_length_cut")
LAST_MODIFIED = formatdate(1_780_000_000, usegmt=True)  # Thu, 28 May 2026


@dataclass
class ListServer:
    """The files it serves (path -> bytes), the faults queued per path, and the requests it saw."""

    files: dict[str, bytes] = field(default_factory=dict)
    faults: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    delay: float = 2.0
    url: str = ""

    def fail(self, path: str, *faults: str) -> None:
        assert all(fault in FAULTS for fault in faults)
        self.faults[path].extend(faults)

    def etag(self, path: str) -> str:
        return f'"{hashlib.sha256(self.files[path]).hexdigest()[:16]}"'


def start(server_state: ListServer) -> ThreadingHTTPServer:
    state = server_state

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

        def do_GET(self) -> None:
            state.requests.append((self.path, dict(self.headers.items())))
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            fault = state.faults[self.path].pop(0) if state.faults[self.path] else None
            if fault == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.connection.close()
                return
            if fault == "timeout":
                time.sleep(state.delay)
            if fault == "500":
                self.send_error(500)
                return
            if fault == "html":
                page = b"<!DOCTYPE html><html><body>Service unavailable, try later</body></html>"
                self._send(200, page, "text/html; charset=utf-8")
                return
            if self.headers.get("If-None-Match") == state.etag(self.path):
                self.send_response(304)
                self.send_header("ETag", state.etag(self.path))
                self.end_headers()
                return
            if fault == "truncated":  # announces the whole body, sends half, hangs up
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.close_connection = True
                return
            if fault == "no_length_cut":  # no Content-Length: the cut shows only in the content
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body[: len(body) // 2 + 7])
                self.close_connection = True
                return
            self._send(200, body, "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", state.etag(self.path))
            self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd
