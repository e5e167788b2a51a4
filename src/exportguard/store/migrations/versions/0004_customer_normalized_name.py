"""customers.normalized_name: the name as normalised at import, so re-screens need not normalise it again

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, filled at the next import or re-screen; a plain ADD COLUMN (see 0003).
    op.add_column("customers", sa.Column("normalized_name", sa.JSON(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE customers DROP COLUMN normalized_name")
    else:
        op.drop_column("customers", "normalized_name")
