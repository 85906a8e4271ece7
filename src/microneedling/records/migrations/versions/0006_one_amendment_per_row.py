"""A clinical row is superseded at most once: a unique index on each table's `supersedes_id`.

Two simultaneous amendments of one row used to both pass the "is this the latest version?" read
and fork the history; the index makes the second one fail at insert time.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CLINICAL_TABLES = ("intakes", "plans", "consents", "sessions", "photos", "scores")


def upgrade() -> None:
    connection = op.get_bind()
    for table in CLINICAL_TABLES:
        forked = connection.execute(
            sa.text(
                f"SELECT supersedes_id FROM {table} WHERE supersedes_id IS NOT NULL "
                "GROUP BY supersedes_id HAVING count(*) > 1"
            )
        ).scalars()
        ids = sorted(forked)
        if ids:
            raise RuntimeError(
                f"{table} rows {ids} were amended more than once; keep one amendment of each "
                "(the others are forks of the history) before upgrading"
            )
        op.create_index(f"uq_{table}_supersedes_id", table, ["supersedes_id"], unique=True)


def downgrade() -> None:
    for table in CLINICAL_TABLES:
        op.drop_index(f"uq_{table}_supersedes_id", table_name=table)
