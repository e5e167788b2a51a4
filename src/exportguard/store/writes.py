"""Write transactions that take the database's write lock up front.

SQLite lets a deferred transaction read, then fail to upgrade to a writer when another
connection committed meanwhile; taking the lock first (``BEGIN IMMEDIATE``) makes writers
queue on the busy timeout instead. PostgreSQL needs nothing: rows are locked where read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker


@contextmanager
def write_transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session holding the write lock from its first statement; commits on success, rolls back on error."""
    with factory() as session, session.begin():
        if session.get_bind().dialect.name == "sqlite":
            session.execute(text("BEGIN IMMEDIATE"))
        yield session
