"""Each current course's sessions still to come, dated by the course's rule, so the today page
reads who is due through an index instead of recomputing every course; filled here for the
plans and sessions already recorded. Bookings get an index by plan session and start (when a
session is booked) and one of the clinic's plan bookings by start (which of them moved). The
findings of each client's current intake that can hold treatment back, and the sessions whose
adverse events await a follow-up, are kept the same way.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


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
    op.create_table(
        "held_findings",
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("until_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_held_findings_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_held_findings_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["intake_id"],
            ["intakes.id"],
            name=op.f("fk_held_findings_intake_id_intakes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("intake_id", "position", name=op.f("pk_held_findings")),
    )
    op.create_index(
        "ix_held_findings_clinic_action_until", "held_findings", ["clinic_id", "action", "until_on"]
    )
    op.create_index("ix_held_findings_client_id", "held_findings", ["client_id"])
    op.create_table(
        "awaiting_follow_ups",
        sa.Column("session_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("events", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_awaiting_follow_ups_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_awaiting_follow_ups_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_awaiting_follow_ups_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_awaiting_follow_ups")),
    )
    op.create_index(
        "ix_awaiting_follow_ups_clinic_performed",
        "awaiting_follow_ups",
        ["clinic_id", "performed_on"],
    )
    op.create_index("ix_awaiting_follow_ups_client_id", "awaiting_follow_ups", ["client_id"])
    # The rows are derived: the rules that keep them (services/course_due.py,
    # services/awaiting.py) fill them here for the records already there.
    from microneedling.services.awaiting import rebuild_awaiting
    from microneedling.services.course_due import rebuild_course_due

    rebuild_course_due(op.get_bind())
    rebuild_awaiting(op.get_bind())


def downgrade() -> None:
    op.drop_table("awaiting_follow_ups")
    op.drop_table("held_findings")
    op.drop_table("course_due")
    op.drop_index("ix_appointments_clinic_planned_starts", "appointments")
    op.drop_index("ix_appointments_plan_session_starts", "appointments")
    op.create_index("ix_appointments_plan_id", "appointments", ["plan_id"])
