"""Consents signed on screen: the decision (given or withdrawn), the text's SHA-256, the
client's and an optional witness's signature images and a SHA-256 seal over the record; and
the pre-session answers a session was recorded with.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CONSENT_COLUMNS = (
    sa.Column("decision", sa.String(length=16), server_default="given", nullable=False),
    sa.Column("text_sha256", sa.String(length=64)),
    sa.Column("signature_png", sa.LargeBinary()),
    sa.Column("witness_name", sa.String(length=200)),
    sa.Column("witness_signature_png", sa.LargeBinary()),
    sa.Column("record_sha256", sa.String(length=64)),
)


def upgrade() -> None:
    for column in CONSENT_COLUMNS:
        op.add_column("consents", column)
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.add_column("sessions", sa.Column("pre_session_changes", json))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("pre_session_changes")
    with op.batch_alter_table("consents") as batch:
        for column in reversed(CONSENT_COLUMNS):
            batch.drop_column(column.name)
