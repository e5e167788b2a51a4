"""Persistence adapter: SQLAlchemy 2 tables and queries (SQLite default, PostgreSQL by URL)."""
