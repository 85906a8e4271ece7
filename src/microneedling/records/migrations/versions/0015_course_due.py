"""Each current course's sessions still to come, dated by the course's rule, so the today page
reads who is due through an index instead of recomputing every course; filled here for the
plans and sessions already recorded. Bookings get an index by plan session and start (when a
session is booked) and one of the clinic's plan bookings by start (which of them moved).

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
    op.create_table(
        "course_due",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("session", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("is_next", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_course_due_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_course_due_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_course_due_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("plan_id", "position", name=op.f("pk_course_due")),
    )
    op.create_index(
        "ix_course_due_clinic_next_due", "course_due", ["clinic_id", "is_next", "due_on"]
    )
    op.create_index("ix_course_due_client_id", "course_due", ["client_id"])
    op.create_index("ix_course_due_plan_session", "course_due", ["plan_id", "session"])
    op.drop_index("ix_appointments_plan_id", "appointments")
    op.create_index(
        "ix_appointments_plan_session_starts",
        "appointments",
        ["plan_id", "plan_session", "starts_at"],
    )
    op.create_index(
        "ix_appointments_clinic_planned_starts",
        "appointments",
        ["clinic_id", "starts_at", "plan_id", "plan_session", "client_id", "status"],
        postgresql_where=sa.text("plan_id IS NOT NULL"),
        sqlite_where=sa.text("plan_id IS NOT NULL"),
    )
    # The rows are derived: one rule (services/course_due.py) fills them here and keeps them.
    from microneedling.services.course_due import rebuild_course_due

    rebuild_course_due(op.get_bind())


def downgrade() -> None:
    op.drop_table("course_due")
    op.drop_index("ix_appointments_clinic_planned_starts", "appointments")
    op.drop_index("ix_appointments_plan_session_starts", "appointments")
    op.create_index("ix_appointments_plan_id", "appointments", ["plan_id"])
