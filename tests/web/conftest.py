"""A live console for browser tests: uvicorn on a free local port over a migrated temporary SQLite database."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from exportguard.api.app import create_app
from exportguard.store.base import make_engine, session_factory
from exportguard.store.migrate import upgrade
from exportguard.store.users import create_user
from exportguard.web import list_pages

FIXTURES = Path(__file__).parents[1] / "fixtures"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass(frozen=True)
class Console:
    """The running console and the API keys of one user per role."""

    url: str
    keys: dict[str, str]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def users(url: str) -> dict[str, str]:
    sessions = session_factory(make_engine(url))
    with sessions() as session, session.begin():
        return {role: create_user(session, f"{role}1", role, "test-setup")[1]
                for role in ("analyst", "reviewer", "admin")}


def _list_archive(directory: Path) -> Path:
    """Two real OFAC SDN versions (January 2019 and July 2021) as the console's list archive."""
    directory.mkdir()
    for month in ("2019-01", "2021-07"):
        (directory / f"sdn-{month}").symlink_to(FIXTURES / f"ofac_sdn_{month}", target_is_directory=True)
    return directory


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    root = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{root / 'console.db'}"
    os.environ[list_pages.ARCHIVE_ENV] = str(_list_archive(root / "lists"))
    upgrade(url)
    keys = users(url)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(url), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/health", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    yield Console(base, keys)
    server.should_exit = True
    thread.join(timeout=10)
