"""``exportguard db upgrade``, ``users create|list`` and a migrated schema that matches the models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from licensing_support import free_port
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from exportguard.api.app import create_app
from exportguard.cli.app import load_commands
from exportguard.store import console_batches
from exportguard.store.base import Base, make_engine, session_factory
from exportguard.store.console_batches import ConsoleBatch
from exportguard.store.migrate import alembic_config, import_table_modules, upgrade

runner = CliRunner()


def test_migrations_create_exactly_the_modelled_schema(database_url: str) -> None:
    import_table_modules()
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_first_admin_from_an_empty_directory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'exportguard.db'}"
    assert runner.invoke(load_commands(), ["db", "upgrade", "--database-url", url]).exit_code == 0
    created = runner.invoke(load_commands(), ["users", "create", "alice", "--role", "admin", "--database-url", url])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    with TestClient(create_app(url)) as client:
        assert client.get("/users", headers={"X-API-Key": key}).status_code == 200
    listed = runner.invoke(load_commands(), ["users", "list", "--format", "json", "--database-url", url])
    assert json.loads(listed.output) == [{"id": 1, "name": "alice", "role": "admin", "active": True}]


def test_duplicate_user_and_unknown_role_are_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'exportguard.db'}"
    runner.invoke(load_commands(), ["db", "upgrade", "--database-url", url])
    runner.invoke(load_commands(), ["users", "create", "alice", "--role", "admin", "--database-url", url])
    again = runner.invoke(load_commands(), ["users", "create", "alice", "--role", "analyst", "--database-url", url])
    assert again.exit_code == 1
    assert "already exists" in again.output
    bad_role = runner.invoke(load_commands(), ["users", "create", "bob", "--role", "root", "--database-url", url])
    assert bad_role.exit_code == 2


def test_upgrading_a_database_with_customers_and_hits_keeps_them(tmp_path: Path) -> None:
    """0003 adds a column to a table other tables point at: it must not rebuild it (SQLite foreign keys)."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0002")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO customers (id, external_ref, name) VALUES (1, 'K-1', 'Acme')"))
        connection.execute(text(
            "INSERT INTO screening_hits (customer_id, entry_key, list_version, score, matched_name, features, "
            "status, updated_at) VALUES (1, 'EL:1', 'el@0', 0.9, 'Acme', '', 'new', '2026-11-23 00:00:00')"))
    upgrade(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT needs_screening FROM customers")).scalar_one() == 1
        assert connection.execute(text("SELECT count(*) FROM screening_hits")).scalar_one() == 1
    command.downgrade(alembic_config(url), "0002")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM screening_hits")).scalar_one() == 1
    engine.dispose()


def test_upgrading_a_populated_0005_database_adds_console_batches_and_keeps_the_rest(tmp_path: Path) -> None:
    """0006 only adds a table: customers, hits, list versions and the audit chain come through untouched."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0005")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO customers (id, external_ref, name, needs_screening) "
                                "VALUES (1, 'K-1', 'Acme', 0)"))
        connection.execute(text(
            "INSERT INTO list_versions (id, source, content_hash, file_name, party_count, loaded_at, loaded_by, "
            "current, screened_with) VALUES ('el@0', 'el', 'h', 'el.json', 1, '2026-11-23 00:00:00', 't', 1, 'm')"))
        connection.execute(text(
            "INSERT INTO screening_hits (customer_id, entry_key, list_version, score, matched_name, features, "
            "status, updated_at) VALUES (1, 'EL:1', 'el@0', 0.9, 'Acme', '', 'new', '2026-11-23 00:00:00')"))
    upgrade(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name, needs_screening FROM customers")).one() == ("Acme", 0)
        assert connection.execute(text("SELECT screened_with FROM list_versions")).scalar_one() == "m"
        assert connection.execute(text("SELECT count(*) FROM screening_hits")).scalar_one() == 1
        assert connection.execute(text("SELECT count(*) FROM console_batches")).scalar_one() == 0
    with session_factory(engine)() as session, session.begin():
        console_batches.save(session, ConsoleBatch(
            id="b1", owner="rev", file_name="c.csv", created_at=datetime(2026, 12, 3, tzinfo=UTC), finished_at=None,
            list_version="el@0", rows=[{"row": 2, "name": "Acme", "country": "", "customer_id": "K-1"}], hits={},
            errors={}, hit_count=0))
    with session_factory(engine)() as session:
        assert [b.rows[0]["customer_id"] for b in console_batches.recent(session)] == ["K-1"]
    command.downgrade(alembic_config(url), "0005")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM screening_hits")).scalar_one() == 1
        assert "console_batches" not in inspect(connection).get_table_names()
    engine.dispose()


def test_serve_says_where_it_listens_once_it_does(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'served.db'}"
    port = free_port()
    command = [sys.executable, "-m", "exportguard", "serve", "--port", str(port), "--database-url", url]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "COLUMNS": "200"})
    try:
        line = server.stdout.readline() if server.stdout else ""
        assert f"listening on http://127.0.0.1:{port}" in line, server.stderr.read() if server.stderr else ""
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200  # bound before it said so
    finally:
        server.terminate()
        server.wait(timeout=20)
