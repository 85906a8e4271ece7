"""Sessions keep whether their departures from plan and screening were confirmed, and why.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
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
