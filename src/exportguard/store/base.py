"""Database engine and session set-up: SQLite by default, PostgreSQL by URL.

Every table in exportguard derives from :class:`Base`, so one Alembic history and one
``metadata`` cover them all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

DEFAULT_SQLITE_PATH = "exportguard.db"
DATABASE_URL_ENV = "EXPORTGUARD_DATABASE_URL"


class Base(DeclarativeBase):
    """Declarative base of every exportguard table."""


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``EXPORTGUARD_DATABASE_URL``, else a local SQLite file."""
    return url or os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{Path(DEFAULT_SQLITE_PATH).resolve()}"


def make_engine(url: str | None = None) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout for concurrent writers."""
    resolved = database_url(url)
    if resolved.startswith("postgresql://"):
        resolved = "postgresql+psycopg://" + resolved.removeprefix("postgresql://")
    if not resolved.startswith("sqlite"):
        return create_engine(resolved, pool_pre_ping=True, pool_size=10, max_overflow=40)
    engine = create_engine(resolved, connect_args={"timeout": 30, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to the engine that do not expire objects on commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with factory() as session, session.begin():
        yield session
