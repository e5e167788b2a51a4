"""Console fixtures. Over HTTP in process: a migrated SQLite database with the four users, one per test
module, and a client of the app on it. In a browser: uvicorn on a free local port over such a database,
and one headless Chromium, both shared by every browser test of the session."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from console_support import CHROMIUM, CHROMIUM_ARGS, Console, free_port, users
from fastapi.testclient import TestClient

from exportguard.api.app import create_app
from exportguard.store.migrate import upgrade


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    root = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{root / 'console.db'}"
    upgrade(url)
    keys = users(url)
    port = free_port()
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
    yield Console(base, keys, url)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One Chromium for the session (Playwright is imported only when a browser test runs)."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    """A migrated SQLite database of the test module and the users' API keys by role."""
    url = f"sqlite:///{tmp_path_factory.mktemp('console-http') / 'console.db'}"
    upgrade(url)
    return url, users(url)


@pytest.fixture
def client(database: tuple[str, dict[str, str]]) -> Iterator[TestClient]:
    with TestClient(create_app(database[0])) as test_client:
        yield test_client
