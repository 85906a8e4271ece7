"""The database photo store: photo files as chunks of rows, shared by every app server.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photo_blobs",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", "chunk", name=op.f("pk_photo_blobs")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Photos are already compressed (JPEG, PNG, WebP): store them out of line without
        # trying to compress them again.
        op.execute("ALTER TABLE photo_blobs ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("photo_blobs")
