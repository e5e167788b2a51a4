"""``exportguard db upgrade``, ``users create|list`` and a migrated schema that matches the models."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from exportguard.api.app import create_app
from exportguard.cli.app import load_commands
from exportguard.store.base import Base, make_engine
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
