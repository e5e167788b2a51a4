"""console_batches: customer files screened from the console, kept so their review queue survives a restart

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_batches",
        sa.Column("id", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("list_version", sa.String(200), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("hits", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("hit_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_console_batches_created_at", "console_batches", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_console_batches_created_at", "console_batches")
    op.drop_table("console_batches")
