"""Photos: smaller renditions (thumbnail, screen size) of each stored file, the quality check's
findings and the clinician's confirmation on the photo row, and the measurements made in the
background per photo and zone with the minimal detectable change each is judged against.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("photos") as batch:
        batch.add_column(sa.Column("quality_problems", JSON, server_default="[]", nullable=False))
        batch.add_column(
            sa.Column("quality_confirmed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "photo_renditions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_renditions")),
    )
    op.create_index(
        "ix_photo_renditions_source_kind",
        "photo_renditions",
        ["source_sha256", "kind"],
        unique=True,
    )
    op.create_table(
        "photo_analyses",
        sa.Column("photo_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("face", JSON, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_photo_analyses_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_photo_analyses_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photos.id"],
            name=op.f("fk_photo_analyses_photo_id_photos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("photo_id", name=op.f("pk_photo_analyses")),
    )
    op.create_index("ix_photo_analyses_client_id", "photo_analyses", ["client_id"])
    op.create_table(
        "photo_measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=32), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("mdc", sa.Float(), nullable=True),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_photo_measurements_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_photo_measurements_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photos.id"],
            name=op.f("fk_photo_measurements_photo_id_photos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_measurements")),
    )
    op.create_index("ix_photo_measurements_client_id", "photo_measurements", ["client_id"])
    op.create_index(
        "ix_photo_measurements_photo_zone_measure",
        "photo_measurements",
        ["photo_id", "zone", "measure"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_table("photo_measurements")
    op.drop_table("photo_analyses")
    op.drop_index("ix_photo_renditions_source_kind", table_name="photo_renditions")
    op.drop_table("photo_renditions")
    with op.batch_alter_table("photos") as batch:
        batch.drop_column("quality_confirmed")
        batch.drop_column("quality_problems")
