"""list_versions.as_of/origin/list_counts, list_fetches, and hits' list_version wide enough for a layered id

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs (see 0003). A version loaded before this revision has no as-of date on record:
    # freshness reports it as unknown (and so stale) rather than guessing.
    op.add_column("list_versions", sa.Column("as_of", sa.Date(), nullable=True))
    op.add_column("list_versions", sa.Column("origin", sa.String(1000), nullable=True))
    op.add_column("list_versions", sa.Column("list_counts", sa.JSON(), nullable=True))
    op.add_column("list_versions", sa.Column("forced_reason", sa.Text(), nullable=True))
    op.create_table(
        "list_fetches",
        sa.Column("url", sa.String(1000), primary_key=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("etag", sa.String(500), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False, server_default=""),
    )
    # The bundle layers ten versions, so a combined id ("combined@a+b+...") outgrows 80 characters.
    # On SQLite this rebuilds the hits table, which nothing references (unlike customers, see 0003).
    with op.batch_alter_table("screening_hits") as batch:
        batch.alter_column("list_version", type_=sa.String(1000), existing_type=sa.String(80),
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("screening_hits") as batch:
        batch.alter_column("list_version", type_=sa.String(80), existing_type=sa.String(1000),
                           existing_nullable=False)
    op.drop_table("list_fetches")
    for column in ("forced_reason", "list_counts", "origin", "as_of"):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE list_versions DROP COLUMN {column}")
        else:
            op.drop_column("list_versions", column)
