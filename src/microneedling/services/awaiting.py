"""What awaits the clinic beyond the courses' due days, kept when it changes rather than worked
out on every read: the findings of each client's current intake that can hold treatment back
(with the day a deferral ends), and the current sessions whose adverse events have no
follow-up recorded yet. Saving an intake or a session, first or amended, rewrites that client's
rows in the same transaction; an erasure takes them with the records. The today page reads
open findings, deferrals ending and adverse events awaiting follow-up from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.orm import Session

from microneedling.clinical.models import Finding
from microneedling.records.models import (
    AwaitingFollowUp,
    Clinical,
    HeldFinding,
    Intake,
    TreatmentSession,
)
from microneedling.services.access import Actor
from microneedling.services.clinical_records import is_current
from microneedling.services.course_due import one_writer_per_client

# The actions by which a finding holds treatment back (a deferral only until its day).
OPEN_ACTIONS = ("defer", "clinician_only", "refuse")
CHUNK = 500  # ids per IN list, well inside every database's limit on bound parameters


def refresh_held_findings(db: Session, _actor: Actor, row: Clinical) -> None:
    """After an intake is written: its client's findings that hold treatment back."""
    one_writer_per_client(db, row.client_id)
    db.flush()
    _rewrite_findings(db.connection(), [row.client_id])


def refresh_follow_ups(db: Session, _actor: Actor, row: Clinical) -> None:
    """After a session is written: its client's sessions awaiting a follow-up."""
    one_writer_per_client(db, row.client_id)
    db.flush()
    _rewrite_follow_ups(db.connection(), [row.client_id])


def rebuild_awaiting(connection: Connection) -> None:
    """Every client's rows from scratch (the migration that adds the tables)."""
    for model, rewrite in ((Intake, _rewrite_findings), (TreatmentSession, _rewrite_follow_ups)):
        table: Any = model
        everyone = sorted(connection.execute(select(table.client_id).distinct()).scalars())
        for first in range(0, len(everyone), CHUNK):
            rewrite(connection, everyone[first : first + CHUNK])


def waiting_events(events: list[Any]) -> list[str]:
    """The adverse events of a session that have no follow-up recorded."""
    return [e["event"] for e in events if not e.get("follow_up")]


def _rewrite_findings(connection: Connection, client_ids: list[int]) -> None:
    latest: dict[int, tuple[int, int, list[Any]]] = {}
    query = (
        select(Intake.client_id, Intake.id, Intake.clinic_id, Intake.findings)
        .where(Intake.client_id.in_(client_ids), is_current(Intake))
        .order_by(Intake.created_at, Intake.id)
    )
    for client_id, intake_id, clinic_id, findings in connection.execute(query):
        latest[client_id] = (intake_id, clinic_id, findings or [])
    connection.execute(delete(HeldFinding).where(HeldFinding.client_id.in_(client_ids)))
    rows = [
        row
        for client_id, (intake_id, clinic_id, findings) in latest.items()
        for row in _held(clinic_id, client_id, intake_id, findings)
    ]
    if rows:
        connection.execute(insert(HeldFinding), rows)


def _held(
    clinic_id: int, client_id: int, intake_id: int, findings: list[Any]
) -> Iterator[dict[str, Any]]:
    for position, finding in enumerate(Finding.model_validate(f) for f in findings):
        if finding.action in OPEN_ACTIONS:
            yield {
                "intake_id": intake_id,
                "position": position,
                "clinic_id": clinic_id,
                "client_id": client_id,
                "code": finding.code,
                "action": finding.action,
                "until_on": finding.until.date if finding.until else None,
                "reason": finding.reason,
            }


def _rewrite_follow_ups(connection: Connection, client_ids: list[int]) -> None:
    query = select(
        TreatmentSession.id,
        TreatmentSession.clinic_id,
        TreatmentSession.client_id,
        TreatmentSession.performed_on,
        TreatmentSession.adverse_events,
    ).where(TreatmentSession.client_id.in_(client_ids), is_current(TreatmentSession))
    connection.execute(delete(AwaitingFollowUp).where(AwaitingFollowUp.client_id.in_(client_ids)))
    rows = [
        {
            "session_id": session_id,
            "clinic_id": clinic_id,
            "client_id": client_id,
            "performed_on": performed_on,
            "events": waiting,
        }
        for session_id, clinic_id, client_id, performed_on, events in connection.execute(query)
        if (waiting := waiting_events(events or []))
    ]
    if rows:
        connection.execute(insert(AwaitingFollowUp), rows)
