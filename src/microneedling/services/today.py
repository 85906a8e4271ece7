"""The clinic's day at a glance, for the front desk: who comes today, whose next plan session
is due or overdue, bookings that no longer fall on their session's day ("to move"), findings
that still hold treatment back, deferrals ending this week and adverse events without a
recorded follow-up. One read; the today page and `GET /api/v1/today` render this same value.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections import defaultdict
from typing import Any, Self

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from microneedling.clinical.models import Finding, ScheduledSession
from microneedling.records.models import Appointment, Client, Intake, PlanRecord, TreatmentSession
from microneedling.services.access import Actor, Permission, require
from microneedling.services.bookings import (
    AppointmentOut,
    appointments_between,
    day_bounds,
    display_name,
)
from microneedling.services.clinical_records import is_current
from microneedling.services.common import Output, Records
from microneedling.services.course import open_findings, upcoming

WEEK_DAYS = 7  # "this week": today and the six days after


class Listed(Output):
    """A row about a client; the name is filled in once, for all rows, at the end."""

    client_id: int
    client_name: str = ""

    def named(self, names: dict[int, str]) -> Self:
        name = names.get(self.client_id, "")
        return typing.cast(Self, self.model_construct(**{**dict(self), "client_name": name}))


class DueSession(Listed):
    """A client's next plan session, due today or overdue, and its booking if there is one."""

    plan_id: int
    session: int
    kind: str
    due_on: dt.date
    booked_at: dt.datetime | None


class ToMove(Output):
    """A booking for a plan session whose due day moved (the course follows what was done)."""

    appointment: AppointmentOut
    due_on: dt.date


class HeldFinding(Listed):
    code: str
    action: str
    until: dt.date | None
    reason: str


class AdverseFollowUp(Listed):
    session_id: int
    performed_on: dt.date
    events: list[str]


class TodaySummary(Output):
    day: dt.date
    time_zone: str
    appointments: list[AppointmentOut]
    due: list[DueSession]
    overdue: list[DueSession]
    to_move: list[ToMove]
    open_findings: list[HeldFinding]
    deferrals_ending: list[HeldFinding]
    adverse_events: list[AdverseFollowUp]


def today_summary(records: Records, actor: Actor) -> TodaySummary:
    require(actor, Permission.READ)
    zone = records.clock.time_zone
    today = records.clock.today()
    start, end = day_bounds(today, 1, zone)
    _, week_end = day_bounds(today, WEEK_DAYS, zone)
    with records.transaction() as db:
        todays = appointments_between(db, actor, start, end)
        planned = appointments_between(db, actor, start, week_end, planned_only=True)
        next_dates = _next_dates(db, actor)
        due, overdue = _due(db, actor, next_dates, today, start)
        findings, ending = _findings(db, actor, today)
        adverse = _adverse(db, actor)
        names = _names(
            db, actor, [row.client_id for row in (*due, *overdue, *findings, *ending, *adverse)]
        )
        return TodaySummary(
            day=today,
            time_zone=str(zone),
            appointments=todays,
            due=[row.named(names) for row in due],
            overdue=[row.named(names) for row in overdue],
            to_move=_to_move(planned, next_dates, zone),
            open_findings=[row.named(names) for row in findings],
            deferrals_ending=[row.named(names) for row in ending],
            adverse_events=[row.named(names) for row in adverse],
        )


def _names(db: Session, actor: Actor, client_ids: list[int]) -> dict[int, str]:
    """The names of the clients a summary lists (erasure removed the rest's records)."""
    wanted = sorted(set(client_ids))
    names: dict[int, str] = {}
    for first in range(0, len(wanted), 500):
        query = select(Client.id, Client.given_name, Client.family_name).where(
            Client.clinic_id == actor.clinic_id, Client.id.in_(wanted[first : first + 500])
        )
        names.update((row.id, display_name(row[1], row[2], row.id)) for row in db.execute(query))
    return names


def _next_dates(db: Session, actor: Actor) -> dict[int, tuple[int, list[ScheduledSession]]]:
    """Per client: the current plan's id and its sessions still to come, dated from what was
    done (the course's own rule). Only the plans' schedules are read."""
    plans: dict[int, tuple[int, list[Any]]] = {}
    query = (
        select(PlanRecord.client_id, PlanRecord.id, PlanRecord.plan["schedule"])
        .where(PlanRecord.clinic_id == actor.clinic_id, is_current(PlanRecord))
        .order_by(PlanRecord.created_at, PlanRecord.id)
    )
    for client_id, plan_id, schedule in db.execute(query):
        plans[client_id] = (plan_id, schedule or [])
    done: dict[int, list[dt.date]] = defaultdict(list)
    done_query = select(TreatmentSession.plan_id, TreatmentSession.performed_on).where(
        TreatmentSession.clinic_id == actor.clinic_id,
        TreatmentSession.plan_id.is_not(None),
        is_current(TreatmentSession),
    )
    for plan_id, performed_on in db.execute(done_query):
        done[plan_id].append(performed_on)
    result = {}
    for client_id, (plan_id, schedule) in plans.items():
        sessions = [_scheduled(entry) for entry in schedule]
        result[client_id] = (plan_id, upcoming(sessions, sorted(done[plan_id])))
    return result


def _scheduled(entry: dict[str, Any]) -> ScheduledSession:
    """A stored plan's session, read without re-validating the plan it was saved from."""
    day = entry.get("date")
    return ScheduledSession.model_construct(
        **{**entry, "date": dt.date.fromisoformat(day) if isinstance(day, str) else day}
    )


def _due(
    db: Session,
    actor: Actor,
    next_dates: dict[int, tuple[int, list[ScheduledSession]]],
    today: dt.date,
    start: dt.datetime,
) -> tuple[list[DueSession], list[DueSession]]:
    """Clients whose next session's day is today (due) or has passed (overdue)."""
    pending = {
        client_id: (plan_id, rest[0])
        for client_id, (plan_id, rest) in next_dates.items()
        if rest and rest[0].date is not None and rest[0].date <= today
    }
    booked: dict[tuple[int, int], dt.datetime] = {}
    if pending:
        query = select(Appointment.plan_id, Appointment.plan_session, Appointment.starts_at).where(
            Appointment.clinic_id == actor.clinic_id,
            Appointment.status == "booked",
            Appointment.starts_at >= start,
            Appointment.plan_id.in_([plan_id for plan_id, _ in pending.values()]),
        )
        for plan_id, session, starts_at in db.execute(query):
            booked.setdefault((plan_id, session), starts_at)
    due: list[DueSession] = []
    overdue: list[DueSession] = []
    for client_id, (plan_id, entry) in sorted(pending.items(), key=lambda i: i[1][1].date or today):
        assert entry.date is not None
        row = DueSession(
            client_id=client_id,
            plan_id=plan_id,
            session=entry.session,
            kind=entry.kind,
            due_on=entry.date,
            booked_at=booked.get((plan_id, entry.session)),
        )
        (due if entry.date == today else overdue).append(row)
    return due, overdue


def _to_move(
    week: list[AppointmentOut],
    next_dates: dict[int, tuple[int, list[ScheduledSession]]],
    zone: dt.tzinfo,
) -> list[ToMove]:
    """This week's plan bookings whose session is now due on another day."""
    moved = []
    for booking in week:
        if booking.plan_id is None or booking.plan_session is None:
            continue
        plan_id, rest = next_dates.get(booking.client_id, (None, []))
        if plan_id != booking.plan_id:
            continue
        due_on = next((s.date for s in rest if s.session == booking.plan_session), None)
        if due_on is not None and due_on != booking.starts_at.astimezone(zone).date():
            moved.append(ToMove(appointment=booking, due_on=due_on))
    return moved


def _findings(
    db: Session, actor: Actor, today: dt.date
) -> tuple[list[HeldFinding], list[HeldFinding]]:
    """Open findings of each client's latest intake, and deferrals that end this week."""
    latest: dict[int, list[Any]] = {}
    query = (
        select(Intake.client_id, Intake.findings)
        .where(Intake.clinic_id == actor.clinic_id, is_current(Intake))
        .order_by(Intake.created_at, Intake.id)
    )
    for client_id, findings in db.execute(query):
        latest[client_id] = findings
    week_end = today + dt.timedelta(days=WEEK_DAYS - 1)
    held: list[HeldFinding] = []
    ending: list[HeldFinding] = []
    for client_id, findings in sorted(latest.items()):
        for finding in (Finding.model_validate(f) for f in findings):
            until = finding.until.date if finding.until else None
            if finding.action == "defer" and until is not None and today <= until <= week_end:
                ending.append(_held(client_id, finding))
        held.extend(_held(client_id, f) for f in open_findings(findings, today))
    return held, ending


def _held(client_id: int, finding: Finding) -> HeldFinding:
    return HeldFinding(
        client_id=client_id,
        code=finding.code,
        action=finding.action,
        until=finding.until.date if finding.until else None,
        reason=finding.reason,
    )


def _adverse(db: Session, actor: Actor) -> list[AdverseFollowUp]:
    """Sessions with an adverse event whose follow-up is not yet recorded."""
    query = (
        select(TreatmentSession)
        .where(
            TreatmentSession.clinic_id == actor.clinic_id,
            cast(TreatmentSession.adverse_events, String) != "[]",
            is_current(TreatmentSession),
        )
        .order_by(TreatmentSession.performed_on.desc(), TreatmentSession.id)
    )
    found = []
    for session in db.scalars(query):
        waiting = [e["event"] for e in session.adverse_events if not e.get("follow_up")]
        if waiting:
            found.append(
                AdverseFollowUp(
                    client_id=session.client_id,
                    session_id=session.id,
                    performed_on=session.performed_on,
                    events=waiting,
                )
            )
    return found
