"""Helpers shared by the licensing and API tests."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass

import httpx
from fastapi.testclient import TestClient


@dataclass
class Api:
    """A test client and the X-API-Key headers of one user per role (two reviewers, for four eyes)."""

    client: TestClient
    keys: dict[str, dict[str, str]]

    def post(self, user: str, path: str, body: object) -> httpx.Response:
        return self.client.post(path, json=body, headers=self.keys[user])

    def get(self, user: str, path: str) -> httpx.Response:
        return self.client.get(path, headers=self.keys[user])


USERS = {"admin": "admin", "ann": "analyst", "rita": "reviewer", "rob": "reviewer"}


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(database_url: str, port: int) -> subprocess.Popen[bytes]:
    """``exportguard serve`` as a subprocess, returned once /health answers."""
    command = [sys.executable, "-m", "exportguard", "serve", "--port", str(port), "--database-url", database_url]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"server did not start: {server.stderr.read().decode() if server.stderr else ''}")


class Killed(Exception):
    """Stands in for a kill between two chunks of a re-screen."""


def kill_after(chunks: int) -> object:
    """A re-screen's progress callback that kills it once ``chunks`` chunks are screened: those are committed, the
    next is not."""
    seen: list[int] = []

    def progress(count: int) -> None:
        seen.append(count)
        if len(seen) > chunks:
            raise Killed

    return progress
