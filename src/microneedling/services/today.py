"""The clinic's day at a glance, for the front desk: who comes today, whose next plan session
is due or overdue, bookings that no longer fall on their session's day ("to move"), findings
that still hold treatment back, deferrals ending this week and adverse events without a
recorded follow-up. One read; the today page and `GET /api/v1/today` render this same value.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from microneedling.clinical.models import Finding
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
from microneedling.services.course import course_shift, open_findings

WEEK_DAYS = 7  # "this week": today and the six days after


class DueSession(Output):
    """A client's next plan session, due today or overdue, and its booking if there is one."""

    client_id: int
    client_name: str
    plan_id: int
    session: int
    kind: str
    due_on: dt.date
    booked_at: dt.datetime | None


class ToMove(Output):
    """A booking for a plan session whose due day moved (the course follows what was done)."""

    appointment: AppointmentOut
    due_on: dt.date


class HeldFinding(Output):
    client_id: int
    client_name: str
    code: str
    action: str
    until: dt.date | None
    reason: str


class AdverseFollowUp(Output):
    client_id: int
    client_name: str
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


@dataclass(frozen=True)
class _Course:
    """A client's current plan and its sessions still to come: (number, kind, due day)."""

    plan_id: int
    rest: list[tuple[int, str, dt.date | None]]


def today_summary(records: Records, actor: Actor) -> TodaySummary:
    require(actor, Permission.READ)
    zone = records.clock.time_zone
    today = records.clock.today()
    start, end = day_bounds(today, 1, zone)
    _, week_end = day_bounds(today, WEEK_DAYS, zone)
    with records.transaction() as db:
        todays = appointments_between(db, actor, start, end)
        planned = appointments_between(db, actor, start, week_end, planned_only=True)
        courses = _courses(db, actor)
        pending = _pending(courses, today)
        booked = _booked(db, actor, [course.plan_id for course, _ in pending.values()], start)
        findings, ending = _findings(db, actor, today)
        adverse = _adverse(db, actor)
        ids = [
            *pending,
            *(c for c, _ in findings),
            *(c for c, _ in ending),
            *(r[0] for r in adverse),
        ]
        names = _names(db, actor, ids)
        due = [
            DueSession(
                client_id=client_id,
                client_name=names.get(client_id, ""),
                plan_id=course.plan_id,
                session=session,
                kind=kind,
                due_on=due_on,
                booked_at=booked.get((course.plan_id, session)),
            )
            for client_id, (course, (session, kind, due_on)) in sorted(
                pending.items(), key=lambda item: (item[1][1][2], item[0])
            )
        ]
        return TodaySummary(
            day=today,
            time_zone=str(zone),
            appointments=todays,
            due=[row for row in due if row.due_on == today],
            overdue=[row for row in due if row.due_on < today],
            to_move=_to_move(planned, courses, zone),
            open_findings=[_held(c, names, f) for c, f in findings],
            deferrals_ending=[_held(c, names, f) for c, f in ending],
            adverse_events=[
                AdverseFollowUp(
                    client_id=client_id,
                    client_name=names.get(client_id, ""),
                    session_id=session_id,
                    performed_on=performed_on,
                    events=events,
                )
                for client_id, session_id, performed_on, events in adverse
            ],
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


def _courses(db: Session, actor: Actor) -> dict[int, _Course]:
    """Per client: the current plan and its sessions still to come, dated from what was done
    by the course's own rule (`course_shift`). Only the plans' schedules are read."""
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
    courses = {}
    for client_id, (plan_id, schedule) in plans.items():
        days = [dt.date.fromisoformat(e["date"]) if e.get("date") else None for e in schedule]
        sessions_done = sorted(done[plan_id])
        shift = course_shift(days, sessions_done)
        rest = [
            (entry["session"], entry["kind"], day + shift if day else None)
            for entry, day in zip(schedule, days, strict=True)
        ][len(sessions_done) :]
        courses[client_id] = _Course(plan_id, rest)
    return courses


def _pending(
    courses: dict[int, _Course], today: dt.date
) -> dict[int, tuple[_Course, tuple[int, str, dt.date]]]:
    """Clients whose next session's day is today (due) or has passed (overdue)."""
    pending = {}
    for client_id, course in courses.items():
        if course.rest:
            session, kind, due_on = course.rest[0]
            if due_on is not None and due_on <= today:
                pending[client_id] = (course, (session, kind, due_on))
    return pending


def _booked(
    db: Session, actor: Actor, plan_ids: list[int], start: dt.datetime
) -> dict[tuple[int, int], dt.datetime]:
    """When each of these plans' sessions is booked, from today on."""
    booked: dict[tuple[int, int], dt.datetime] = {}
    for first in range(0, len(plan_ids), 500):
        query = select(Appointment.plan_id, Appointment.plan_session, Appointment.starts_at).where(
            Appointment.clinic_id == actor.clinic_id,
            Appointment.status == "booked",
            Appointment.starts_at >= start,
            Appointment.plan_id.in_(plan_ids[first : first + 500]),
        )
        for plan_id, session, starts_at in db.execute(query.order_by(Appointment.starts_at)):
            booked.setdefault((plan_id, session), starts_at)
    return booked


def _to_move(
    planned: list[AppointmentOut], courses: dict[int, _Course], zone: dt.tzinfo
) -> list[ToMove]:
    """This week's plan bookings whose session is now due on another day."""
    moved = []
    for booking in planned:
        course = courses.get(booking.client_id)
        if course is None or course.plan_id != booking.plan_id:
            continue
        due_on = next(
            (day for number, _, day in course.rest if number == booking.plan_session), None
        )
        if due_on is not None and due_on != booking.starts_at.astimezone(zone).date():
            moved.append(ToMove(appointment=booking, due_on=due_on))
    return moved


def _findings(
    db: Session, actor: Actor, today: dt.date
) -> tuple[list[tuple[int, Finding]], list[tuple[int, Finding]]]:
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
    held: list[tuple[int, Finding]] = []
    ending: list[tuple[int, Finding]] = []
    for client_id, stored in sorted(latest.items()):
        findings = [Finding.model_validate(f) for f in stored]
        for finding in findings:
            until = finding.until.date if finding.until else None
            if finding.action == "defer" and until is not None and today <= until <= week_end:
                ending.append((client_id, finding))
        held.extend((client_id, f) for f in open_findings(findings, today))
    return held, ending


def _held(client_id: int, names: dict[int, str], finding: Finding) -> HeldFinding:
    return HeldFinding(
        client_id=client_id,
        client_name=names.get(client_id, ""),
        code=finding.code,
        action=finding.action,
        until=finding.until.date if finding.until else None,
        reason=finding.reason,
    )


def _adverse(db: Session, actor: Actor) -> list[tuple[int, int, dt.date, list[str]]]:
    """Sessions with an adverse event whose follow-up is not yet recorded."""
    query = (
        select(
            TreatmentSession.client_id,
            TreatmentSession.id,
            TreatmentSession.performed_on,
            TreatmentSession.adverse_events,
        )
        .where(
            TreatmentSession.clinic_id == actor.clinic_id,
            cast(TreatmentSession.adverse_events, String) != "[]",
            is_current(TreatmentSession),
        )
        .order_by(TreatmentSession.performed_on.desc(), TreatmentSession.id)
    )
    found = []
    for client_id, session_id, performed_on, events in db.execute(query):
        waiting = [e["event"] for e in events if not e.get("follow_up")]
        if waiting:
            found.append((client_id, session_id, performed_on, waiting))
    return found
