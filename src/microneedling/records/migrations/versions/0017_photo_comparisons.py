"""Photo comparisons: two photos of a client compared in the background through one set of
zone masks, with the change per zone and measure and the MDC95 it was judged against.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "photo_comparisons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("before_id", sa.Integer(), nullable=False),
        sa.Column("after_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("result", JSON, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_photo_comparisons_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_photo_comparisons_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["before_id"],
            ["photos.id"],
            name=op.f("fk_photo_comparisons_before_id_photos"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["after_id"],
            ["photos.id"],
            name=op.f("fk_photo_comparisons_after_id_photos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_comparisons")),
    )
    op.create_index("ix_photo_comparisons_client_id", "photo_comparisons", ["client_id"])
    op.create_index("ix_photo_comparisons_after_id", "photo_comparisons", ["after_id"])
    op.create_index(
        "ix_photo_comparisons_pair", "photo_comparisons", ["before_id", "after_id"], unique=True
    )


def downgrade() -> None:
    op.drop_table("photo_comparisons")
