"""Alembic environment: the metadata of every exportguard table, the URL from ``database_url()``."""

from __future__ import annotations

from alembic import context

from exportguard.store.base import Base, database_url, make_engine
from exportguard.store.migrate import import_table_modules

import_table_modules()
target_metadata = Base.metadata
url = context.config.get_main_option("sqlalchemy.url") or database_url()

if context.is_offline_mode():
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
