"""Clinics carry the address and phone number that handouts and documents print.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clinics", sa.Column("address", sa.String(length=500)))
    op.add_column("clinics", sa.Column("phone", sa.String(length=40)))


def downgrade() -> None:
    with op.batch_alter_table("clinics") as batch:
        batch.drop_column("phone")
        batch.drop_column("address")
