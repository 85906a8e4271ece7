"""The clinic's day at a glance, for the front desk: who comes today, whose next plan session
is due or overdue, bookings that no longer fall on their session's day ("to move"), findings
that still hold treatment back, deferrals ending this week and adverse events without a
recorded follow-up. One read; the today page and `GET /api/v1/today` render this same value.

Each list is one page (`limit`, 50 unless asked) with its total beside it; `section` and
`offset` page through one list. Due courses come from their stored due days
(services/course_due.py), bookings through the (clinic, start) index, so the cost follows the
page, not the size of the clinic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar, get_args
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlalchemy import ColumnElement, Date, String, case, cast, func, literal, select
from sqlalchemy.orm import Session

from microneedling.clinical.models import Finding
from microneedling.records.models import Appointment, Client, CourseDue, Intake, TreatmentSession
from microneedling.services.access import Actor, Permission, require
from microneedling.services.bookings import (
    AppointmentOut,
    appointments_between,
    booking_fields,
    booking_query,
    count_between,
    day_bounds,
    display_name,
)
from microneedling.services.clinical_records import is_current
from microneedling.services.common import Input, Offset, Output, Records, parse_page_query
from microneedling.services.course import open_findings

WEEK_DAYS = 7  # "this week": today and the six days after
Section = Literal[
    "appointments",
    "due",
    "overdue",
    "to_move",
    "open_findings",
    "deferrals_ending",
    "adverse_events",
]
SECTIONS: tuple[str, ...] = get_args(Section)


class TodayQuery(Input):
    """How long each list may be, and which list to page through from where."""

    limit: Annotated[int, Field(ge=1)] = 50
    section: Section | None = None
    offset: Offset = 0


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


class TodayTotals(Output):
    """How many rows each list has in all (the lists hold one page of them)."""

    appointments: int
    due: int
    overdue: int
    to_move: int
    open_findings: int
    deferrals_ending: int
    adverse_events: int


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
    totals: TodayTotals
    limit: int
    section: Section | None
    offset: int


Window = tuple[int, int]  # (limit, offset)


@dataclass(frozen=True)
class _Window:
    """Which slice of a list to read: the asked section from its offset, the others from 0."""

    limit: int
    section: str | None
    offset: int

    def of(self, section: str) -> tuple[int, int]:
        return self.limit, self.offset if section == self.section else 0


def today_summary(records: Records, actor: Actor, query: object = None) -> TodaySummary:
    require(actor, Permission.READ)
    criteria = parse_page_query(records, TodayQuery, query)
    window = _Window(criteria.limit, criteria.section, criteria.offset)
    zone = records.clock.time_zone
    today = records.clock.today()
    start, end = day_bounds(today, 1, zone)
    with records.transaction() as db:
        limit, offset = window.of("appointments")
        todays = appointments_between(db, actor, start, end, limit=limit, offset=offset)
        total = count_between(db, actor, start, end)
        due, due_total = _due(db, actor, CourseDue.due_on == today, start, window.of("due"))
        overdue, overdue_total = _due(
            db, actor, CourseDue.due_on < today, start, window.of("overdue")
        )
        to_move, to_move_total = _to_move(db, actor, today, zone, window.of("to_move"))
        findings, ending = _findings(db, actor, today)
        adverse = _adverse(db, actor)
        findings_page = _slice(findings, window.of("open_findings"))
        ending_page = _slice(ending, window.of("deferrals_ending"))
        adverse_page = _slice(adverse, window.of("adverse_events"))
        names = _names(
            db,
            actor,
            [
                *(c for c, _ in findings_page),
                *(c for c, _ in ending_page),
                *(r[0] for r in adverse_page),
            ],
        )
        return TodaySummary(
            day=today,
            time_zone=str(zone),
            appointments=todays,
            due=due,
            overdue=overdue,
            to_move=to_move,
            open_findings=[_held(c, names, f) for c, f in findings_page],
            deferrals_ending=[_held(c, names, f) for c, f in ending_page],
            adverse_events=[
                AdverseFollowUp(
                    client_id=client_id,
                    client_name=names.get(client_id, ""),
                    session_id=session_id,
                    performed_on=performed_on,
                    events=events,
                )
                for client_id, session_id, performed_on, events in adverse_page
            ],
            totals=TodayTotals(
                appointments=total,
                due=due_total,
                overdue=overdue_total,
                to_move=to_move_total,
                open_findings=len(findings),
                deferrals_ending=len(ending),
                adverse_events=len(adverse),
            ),
            limit=criteria.limit,
            section=criteria.section,
            offset=criteria.offset,
        )


T = TypeVar("T")


def _slice(rows: list[T], window: tuple[int, int]) -> list[T]:
    limit, offset = window
    return rows[offset : offset + limit]


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


def _due(
    db: Session, actor: Actor, when: ColumnElement[bool], start: dt.datetime, window: Window
) -> tuple[list[DueSession], int]:
    """One page of the courses whose next session falls due `when` (today, or before), oldest
    due first, each with its first booking from today on if there is one; and how many there
    are. The booking is looked up for the page's rows only (by plan session and start)."""
    limit, offset = window
    due = (CourseDue.clinic_id == actor.clinic_id, CourseDue.is_next.is_(True), when)
    total = db.scalar(select(func.count()).select_from(CourseDue).where(*due)) or 0
    page = (
        select(CourseDue)
        .where(*due)
        .order_by(CourseDue.due_on, CourseDue.client_id)
        .limit(limit)
        .offset(offset)
        .subquery()
    )
    booked = (
        select(func.min(Appointment.starts_at))
        .where(
            Appointment.plan_id == page.c.plan_id,
            Appointment.plan_session == page.c.session,
            Appointment.starts_at >= start,
            Appointment.status == "booked",
            Appointment.clinic_id == actor.clinic_id,
        )
        .scalar_subquery()
    )
    query = (
        select(page, Client.given_name, Client.family_name, booked.label("booked_at"))
        .join(Client, Client.id == page.c.client_id)
        .order_by(page.c.due_on, page.c.client_id)
    )
    return [
        DueSession(
            client_id=row.client_id,
            client_name=display_name(row.given_name, row.family_name, row.client_id),
            plan_id=row.plan_id,
            session=row.session,
            kind=row.kind,
            due_on=row.due_on,
            booked_at=row.booked_at,
        )
        for row in db.execute(query)
    ], total


def _to_move(
    db: Session, actor: Actor, today: dt.date, zone: ZoneInfo, window: Window
) -> tuple[list[ToMove], int]:
    """This week's plan bookings whose session of the client's current course is now due on
    another day than the booking's (the clinic's day, DST-aware), soonest first."""
    limit, offset = window
    days = [today + dt.timedelta(days=n) for n in range(WEEK_DAYS)]
    start, _ = day_bounds(today, 1, zone)
    ends = [day_bounds(day, 1, zone)[1] for day in days]
    booked_day = case(
        *(
            (Appointment.starts_at < end, literal(day, Date))
            for day, end in zip(days, ends, strict=True)
        )
    )
    moved = (
        Appointment.clinic_id == actor.clinic_id,
        Appointment.starts_at >= start,
        Appointment.starts_at < ends[-1],
        Appointment.status != "cancelled",
        CourseDue.due_on.is_not(None),
        CourseDue.due_on != booked_day,
    )
    on = (
        (CourseDue.plan_id == Appointment.plan_id)
        & (CourseDue.session == Appointment.plan_session)
        & (CourseDue.client_id == Appointment.client_id)
    )
    total = (
        db.scalar(select(func.count()).select_from(Appointment).join(CourseDue, on).where(*moved))
        or 0
    )
    query = (
        booking_query()
        .add_columns(CourseDue.due_on)
        .join(CourseDue, on)
        .where(*moved)
        .order_by(Appointment.starts_at, Appointment.id)
        .limit(limit)
        .offset(offset)
    )
    found = [(booking_fields(row), row.due_on) for row in db.execute(query)]
    return [
        ToMove(appointment=AppointmentOut.model_validate(fields), due_on=due_on)
        for fields, due_on in found
    ], total


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
    for client_id, findings in sorted(latest.items()):
        for finding in (Finding.model_validate(f) for f in findings):
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
