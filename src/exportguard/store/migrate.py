"""Bring a database's schema up to date with the Alembic history shipped in the package."""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config

from exportguard.store.base import database_url

#: Modules that define tables; add yours so migrations and ``metadata`` see them.
TABLE_MODULES = (
    "exportguard.store.audit",
    "exportguard.store.tables",
    "exportguard.store.licensing",
    "exportguard.store.monitoring",
    "exportguard.store.console_batches",
)


def import_table_modules() -> None:
    """Import every table module so ``Base.metadata`` knows every table."""
    for module in TABLE_MODULES:
        importlib.import_module(module)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations and the resolved database URL."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (default: the latest)."""
    command.upgrade(alembic_config(url), revision)
