"""Each client's current course, dated once when it changes rather than on every read: the
sessions still to come with their due day by the course's rule (`course_shift`, the same rule
the course page uses), the next one marked. A plan or session saved, first or amended,
rewrites its client's rows in the same transaction; an erasure takes them with the plan.
The today page reads due and overdue courses from here through an index.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.orm import Session

from microneedling.clinical.schedule import course_shift
from microneedling.records.database import lock_key
from microneedling.records.models import (
    Clinical,
    CourseDue,
    PlanRecord,
    TreatmentSession,
)
from microneedling.services.access import Actor
from microneedling.services.clinical_records import is_current

CHUNK = 500  # ids per IN list, well inside every database's limit on bound parameters


def refresh_course_due(db: Session, _actor: Actor, row: Clinical) -> None:
    """After a plan or a session is written: its client's course, dated again."""
    one_writer_per_client(db, row.client_id)
    db.flush()
    _rewrite(db.connection(), [row.client_id])


def rebuild_course_due(connection: Connection) -> None:
    """Every client's course dated from scratch: for a database filled before this table
    existed (the migration that adds it) or loaded in bulk."""
    clients = connection.execute(select(PlanRecord.client_id).distinct()).scalars()
    everyone = sorted(clients)
    for first in range(0, len(everyone), CHUNK):
        _rewrite(connection, everyone[first : first + CHUNK])


def course_rows(
    clinic_id: int,
    client_id: int,
    plan_id: int,
    schedule: list[dict[str, Any]],
    done: Iterable[dt.date],
) -> list[dict[str, Any]]:
    """The rows of one course: each session still to come and its due day, the first marked
    as next (sessions done count in the order they were performed)."""
    days = [dt.date.fromisoformat(e["date"]) if e.get("date") else None for e in schedule]
    performed = sorted(done)
    shift = course_shift(days, performed)
    return [
        {
            "plan_id": plan_id,
            "position": position,
            "clinic_id": clinic_id,
            "client_id": client_id,
            "session": entry["session"],
            "kind": entry["kind"],
            "due_on": day + shift if day else None,
            "is_next": position == len(performed),
        }
        for position, (entry, day) in enumerate(zip(schedule, days, strict=True))
        if position >= len(performed)
    ]


def one_writer_per_client(db: Session, client_id: int) -> None:
    """Until this transaction ends, no other rewrites the client's kept rows. Without it, two
    sessions saved at once for one client on PostgreSQL each deleted the rows they could see
    and inserted the same keys (a 500), each missing the other's session. An advisory lock,
    because every write already holds the client's row FOR SHARE (see `live_client`), which a
    row lock would deadlock against; SQLite has one writer at a time already."""
    lock_key(db, f"kept-rows:client:{client_id}")


def _rewrite(connection: Connection, client_ids: list[int]) -> None:
    """Replace these clients' rows by their current plan's (the latest not amended away)."""
    plans: dict[int, tuple[int, int, list[Any]]] = {}
    query = (
        select(
            PlanRecord.client_id, PlanRecord.id, PlanRecord.clinic_id, PlanRecord.plan["schedule"]
        )
        .where(PlanRecord.client_id.in_(client_ids), is_current(PlanRecord))
        .order_by(PlanRecord.created_at, PlanRecord.id)
    )
    for client_id, plan_id, clinic_id, schedule in connection.execute(query):
        plans[client_id] = (plan_id, clinic_id, schedule or [])
    done: dict[int, list[dt.date]] = defaultdict(list)
    if plans:
        sessions = select(TreatmentSession.plan_id, TreatmentSession.performed_on).where(
            TreatmentSession.plan_id.in_([plan_id for plan_id, _, _ in plans.values()]),
            is_current(TreatmentSession),
        )
        for plan_id, performed_on in connection.execute(sessions):
            done[plan_id].append(performed_on)
    connection.execute(delete(CourseDue).where(CourseDue.client_id.in_(client_ids)))
    rows = [
        row
        for client_id, (plan_id, clinic_id, schedule) in plans.items()
        for row in course_rows(clinic_id, client_id, plan_id, schedule, done[plan_id])
    ]
    if rows:
        connection.execute(insert(CourseDue), rows)
