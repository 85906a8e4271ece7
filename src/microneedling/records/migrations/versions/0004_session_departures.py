"""Sessions keep whether their departures from plan and screening were confirmed, and why.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(
            sa.Column("confirm_departures", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("departure_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("departure_reason")
        batch.drop_column("confirm_departures")
