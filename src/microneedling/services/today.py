"""The clinic's day at a glance, for the front desk: who comes today, whose next plan session
is due or overdue, bookings that no longer fall on their session's day ("to move"), findings
that still hold treatment back, deferrals ending this week and adverse events without a
recorded follow-up. One read; the today page and `GET /api/v1/today` render this same value.

Each list is one page (`limit`, 50 unless asked) with its total beside it; `section` and
`offset` page through one list. Due courses come from their stored due days
(services/course_due.py), bookings through the (clinic, start) index, so the cost follows the
page, not the size of the clinic. The seven totals are counted in one statement: on
PostgreSQL each statement is a round trip to another process, and the page is read often.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlalchemy import ColumnElement, Date, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from microneedling.records.models import Appointment, AwaitingFollowUp, Client, CourseDue
from microneedling.records.models import HeldFinding as HeldRow
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
from microneedling.services.common import Input, Offset, Output, Records, parse_page_query

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
        due, due_count = _due(db, actor, CourseDue.due_on == today, start, window.of("due"))
        overdue, overdue_count = _due(
            db, actor, CourseDue.due_on < today, start, window.of("overdue")
        )
        to_move, to_move_count = _to_move(db, actor, today, zone, window.of("to_move"))
        week_end = today + dt.timedelta(days=WEEK_DAYS - 1)
        held = HeldRow.action != "defer", HeldRow.until_on.is_(None), HeldRow.until_on > today
        findings, findings_count = _findings(db, actor, or_(*held), window.of("open_findings"))
        ending_now = (HeldRow.action == "defer", HeldRow.until_on.between(today, week_end))
        ending, ending_count = _findings(
            db, actor, and_(*ending_now), window.of("deferrals_ending")
        )
        adverse, adverse_count = _adverse(db, actor, window.of("adverse_events"))
        counts = {
            "appointments": count_between(actor, start, end),
            "due": due_count,
            "overdue": overdue_count,
            "to_move": to_move_count,
            "open_findings": findings_count,
            "deferrals_ending": ending_count,
            "adverse_events": adverse_count,
        }
        totals = db.execute(
            select(*(count.scalar_subquery().label(name) for name, count in counts.items()))
        ).one()
        return TodaySummary(
            day=today,
            time_zone=str(zone),
            appointments=todays,
            due=due,
            overdue=overdue,
            to_move=to_move,
            open_findings=findings,
            deferrals_ending=ending,
            adverse_events=adverse,
            totals=TodayTotals.model_validate(totals._asdict()),
            limit=criteria.limit,
            section=criteria.section,
            offset=criteria.offset,
        )


def _due(
    db: Session, actor: Actor, when: ColumnElement[bool], start: dt.datetime, window: Window
) -> tuple[list[DueSession], Select[Any]]:
    """One page of the courses whose next session falls due `when` (today, or before), oldest
    due first, each with its first booking from today on if there is one; and the count of
    them, to run. The booking is looked up for the page's rows only (by plan session and
    start)."""
    limit, offset = window
    due = (CourseDue.clinic_id == actor.clinic_id, CourseDue.is_next.is_(True), when)
    count = select(func.count()).select_from(CourseDue).where(*due)
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
    ], count


def _to_move(
    db: Session, actor: Actor, today: dt.date, zone: ZoneInfo, window: Window
) -> tuple[list[ToMove], Select[Any]]:
    """This week's plan bookings whose session of the client's current course is now due on
    another day than the booking's (the clinic's day, DST-aware), soonest first; and the count
    of them, to run."""
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
    count = select(func.count()).select_from(Appointment).join(CourseDue, on).where(*moved)
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
    ], count


def _findings(
    db: Session, actor: Actor, which: ColumnElement[bool], window: Window
) -> tuple[list[HeldFinding], Select[Any]]:
    """One page of the current intakes' findings that hold treatment back and match `which`
    (still open, or a deferral ending this week), by client; and the count of them, to run."""
    order = (HeldRow.client_id, HeldRow.position)
    rows, count = _named_page(
        db, HeldRow, (HeldRow.clinic_id == actor.clinic_id, which), order, window
    )
    return [
        HeldFinding(
            client_id=row.client_id,
            client_name=name,
            code=row.code,
            action=row.action,
            until=row.until_on,
            reason=row.reason,
        )
        for row, name in rows
    ], count


def _adverse(
    db: Session, actor: Actor, window: Window
) -> tuple[list[AdverseFollowUp], Select[Any]]:
    """One page of the sessions with an adverse event whose follow-up is not yet recorded,
    latest first; and the count of them, to run."""
    mine = (AwaitingFollowUp.clinic_id == actor.clinic_id,)
    order = (AwaitingFollowUp.performed_on.desc(), AwaitingFollowUp.session_id)
    rows, count = _named_page(db, AwaitingFollowUp, mine, order, window)
    return [
        AdverseFollowUp(
            client_id=row.client_id,
            client_name=name,
            session_id=row.session_id,
            performed_on=row.performed_on,
            events=row.events,
        )
        for row, name in rows
    ], count


def _named_page(
    db: Session,
    model: Any,
    where: tuple[ColumnElement[bool], ...],
    order: tuple[Any, ...],
    window: Window,
) -> tuple[list[tuple[Any, str]], Select[Any]]:
    """One page of `model`'s rows matching `where`, each with its client's name; and the count
    of the rows matching, to run."""
    limit, offset = window
    count = select(func.count()).select_from(model).where(*where)
    query = (
        select(model, Client.given_name, Client.family_name)
        .join(Client, Client.id == model.client_id)
        .where(*where)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    return [
        (row, display_name(given, family, row.client_id))
        for row, given, family in db.execute(query).tuples()
    ], count
