"""Database engine and session set-up: SQLite by default, PostgreSQL by URL.

Every table in exportguard derives from :class:`Base`, so one Alembic history and one
``metadata`` cover them all.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

DEFAULT_SQLITE_PATH = "exportguard.db"
DATABASE_URL_ENV = "EXPORTGUARD_DATABASE_URL"
#: How long a SQLite writer waits for the write lock before failing with "database is locked".
SQLITE_BUSY_SECONDS = 30.0
#: FULL: a commit is on disk before it is acknowledged, so a power cut loses no acknowledged write
#: (NORMAL, WAL's usual setting, can lose the last ones). Override for benchmarks only.
SYNCHRONOUS_ENV = "EXPORTGUARD_SQLITE_SYNCHRONOUS"
SYNCHRONOUS_MODES = ("FULL", "EXTRA", "NORMAL")


class Base(DeclarativeBase):
    """Declarative base of every exportguard table."""


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``EXPORTGUARD_DATABASE_URL``, else a local SQLite file."""
    return url or os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{Path(DEFAULT_SQLITE_PATH).resolve()}"


def make_engine(url: str | None = None) -> Engine:
    """An engine for the URL; SQLite gets WAL, full sync, foreign keys and a busy timeout for concurrent writers.

    A SQLite file is created with mode 0600: it holds the audit trail and the API key digests.
    """
    resolved = database_url(url)
    if resolved.startswith("postgresql://"):
        resolved = "postgresql+psycopg://" + resolved.removeprefix("postgresql://")
    if not resolved.startswith("sqlite"):
        return create_engine(resolved, pool_pre_ping=True, pool_size=10, max_overflow=40)
    _create_private(make_url(resolved).database)
    engine = create_engine(resolved, connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _create_private(path: str | None) -> None:
    """Create a new SQLite file readable by its owner only (its journal and WAL inherit the mode)."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    # An existing file keeps its mode; a missing folder is reported by SQLite itself.
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    mode = os.environ.get(SYNCHRONOUS_ENV, "FULL").upper()
    cursor.execute(f"PRAGMA synchronous={mode if mode in SYNCHRONOUS_MODES else 'FULL'}")
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
