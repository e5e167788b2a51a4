"""Shared by the console tests: the users per role and the Chromium launch settings."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

from exportguard.store.base import make_engine, session_factory
from exportguard.store.users import create_user

FIXTURES = Path(__file__).parents[1] / "fixtures"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass(frozen=True)
class Console:
    """The running console and the API keys of one user per role."""

    url: str
    keys: dict[str, str]
    database_url: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def users(url: str) -> dict[str, str]:
    sessions = session_factory(make_engine(url))
    with sessions() as session, session.begin():
        return {role: create_user(session, f"{role}1", role, "test-setup")[1]
                for role in ("analyst", "reviewer", "admin")}

