"""Database fixtures: every store and API test runs on SQLite and, when configured, PostgreSQL.

PostgreSQL tests use a throw-away schema each, so they never see another test's rows.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from licensing_support import USERS, Api
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from exportguard.api.app import create_app
from exportguard.store.base import make_engine, session_factory
from exportguard.store.migrate import upgrade
from exportguard.store.users import create_user
from exportguard.store.writes import write_transaction

POSTGRES_URL = os.environ.get("EXPORTGUARD_TEST_POSTGRES_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[pytest.mark.postgres, pytest.mark.skipif(not POSTGRES_URL, reason="EXPORTGUARD_TEST_POSTGRES_URL unset")],
    ),
]


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    template = tmp_path_factory.mktemp("template") / "exportguard.db"
    upgrade(f"sqlite:///{template}")
    return template


def postgres_schema_url(base_url: str, schema: str) -> str:
    """``base_url`` with its search path set to ``schema``."""
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite: Path) -> Iterator[str]:
    """A migrated, empty database of each backend."""
    if request.param == "sqlite":
        shutil.copy(migrated_sqlite, tmp_path / "exportguard.db")
        yield f"sqlite:///{tmp_path / 'exportguard.db'}"
        return
    assert POSTGRES_URL
    schema = f"eg_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    upgrade(postgres_schema_url(POSTGRES_URL, schema))
    yield postgres_schema_url(POSTGRES_URL, schema)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def api(database_url: str, sessions: sessionmaker[Session]) -> Iterator[Api]:
    keys = {}
    with write_transaction(sessions) as session:
        for name, role in USERS.items():
            keys[name] = {"X-API-Key": create_user(session, name, role, actor="test")[1]}
    app = create_app(database_url)
    with TestClient(app) as client:
        yield Api(client, keys)
    app.state.engine.dispose()
