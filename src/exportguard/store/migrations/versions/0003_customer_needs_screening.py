"""customers.needs_screening: added or changed customers are screened in full at the next re-screen

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 05:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: rebuilding the table (batch mode) would trip SQLite's foreign keys from hits.
    # Existing customers are marked too: the first re-screen after the upgrade screens them in full.
    op.add_column("customers", sa.Column("needs_screening", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE customers DROP COLUMN needs_screening")
    else:
        op.drop_column("customers", "needs_screening")
