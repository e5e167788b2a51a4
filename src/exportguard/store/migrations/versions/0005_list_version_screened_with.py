"""list_versions.screened_with: the matching engine that last re-screened customers with a version in force

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: a database screened before this revision has no engine on record, so its next
    # re-screen is a full one (see 0003 for why a plain ADD COLUMN).
    op.add_column("list_versions", sa.Column("screened_with", sa.String(16), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE list_versions DROP COLUMN screened_with")
    else:
        op.drop_column("list_versions", "screened_with")
