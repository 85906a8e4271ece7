"""The installation's identity (the namespace of its FHIR ids) and identifiers that other
systems gave clients (kept from FHIR imports).

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
    op.create_table(
        "installation",
        sa.Column("singleton", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("singleton", name=op.f("pk_installation")),
    )
    op.create_table(
        "client_identifiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=500), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_client_identifiers_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_client_identifiers_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_identifiers")),
    )
    op.create_index(
        "ix_client_identifiers_clinic_system_value",
        "client_identifiers",
        ["clinic_id", "system", "value"],
        unique=True,
    )
    op.create_index("ix_client_identifiers_client_id", "client_identifiers", ["client_id"])


def downgrade() -> None:
    op.drop_index("ix_client_identifiers_client_id", table_name="client_identifiers")
    op.drop_index("ix_client_identifiers_clinic_system_value", table_name="client_identifiers")
    op.drop_table("client_identifiers")
    op.drop_table("installation")
