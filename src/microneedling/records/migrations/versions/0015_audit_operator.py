"""The audit trail names who ran an operation on the whole database (an upgrade, a backup, a
restore) from the command line: an operating-system user or the name given, not a user of a
clinic.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("operator", sa.String(length=128)))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("operator")
