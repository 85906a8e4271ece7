"""The diary: book, move and cancel appointments, list them by day or week, find free time.

A practitioner or a room holds one booking at a time. The check and the insert run under a
lock on each of them (a PostgreSQL advisory lock per practitioner and per room; SQLite's one
write transaction at a time), so two simultaneous bookings of the same slot cannot both pass
the check: the second answers 409. Times are stored in UTC; days are the clinic's days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from microneedling.clinical.models import ScheduledSession
from microneedling.errors import InputError
from microneedling.records.audit import audit
from microneedling.records.database import begin_write, lock_key
from microneedling.records.models import (
    Appointment,
    PlanRecord,
    TreatmentSession,
)
from microneedling.services.access import Actor, Permission, require
from microneedling.services.bookings import (
    AppointmentOut,
    Kind,
    appointments_between,
    day_bounds,
    read_booking,
)
from microneedling.services.clients import live_client
from microneedling.services.clinical_records import is_current
from microneedling.services.common import Input, Output, Records, RowId, owned, parse
from microneedling.services.course import upcoming
from microneedling.services.errors import Conflict
from microneedling.services.reminders import (
    appointment_key,
    drop_appointment,
    schedule_appointment,
)
from microneedling.services.rooms import RoomRef, practitioner_for, room_for

FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def _in_calendar(value: dt.datetime) -> dt.datetime:
    """A booking's time lies in the calendar records can name (so its end, and the hours
    around it a clash check reads, never run off the calendar)."""
    if not FIRST_DAY <= value.date() <= LAST_DAY:
        raise ValueError(f"must fall between {FIRST_DAY} and {LAST_DAY}")
    return value


def check_day(day: dt.date, field: str = "day") -> dt.date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InputError.one(field, f"must fall between {FIRST_DAY} and {LAST_DAY}")
    return day


BookingTime = Annotated[AwareDatetime, AfterValidator(_in_calendar)]
MAX_DURATION_MINUTES = 12 * 60
Duration = Annotated[int, Field(ge=5, le=MAX_DURATION_MINUTES)]
Reason = Annotated[str, Field(min_length=1, max_length=500)]
# The plan's session kinds, as the diary books them.
SESSION_KINDS: dict[str, str] = {"test_spot": "test_spot", "treatment": "treatment_session"}


class AppointmentIn(Input):
    client_id: RowId
    practitioner_id: RowId
    room: RoomRef = Field(description="The room's id (a number) or its name (text)")
    starts_at: BookingTime = Field(description="ISO 8601 with an offset")
    duration_minutes: Duration
    kind: Kind
    plan_id: RowId | None = None
    plan_session: Annotated[int, Field(ge=1, le=1000)] | None = None


class RescheduleIn(Input):
    version: int
    starts_at: BookingTime
    duration_minutes: Duration | None = None
    practitioner_id: RowId | None = None
    room: RoomRef | None = None


class CancelIn(Input):
    version: int
    reason: Reason


class PlanBookingIn(Input):
    """Book a plan's sessions still to come: the dates are the plan's, the time is chosen."""

    practitioner_id: RowId
    room: RoomRef
    time: dt.time = Field(description="Local time of day in the clinic's zone, HH:MM")
    duration_minutes: Duration
    sessions: list[Annotated[int, Field(ge=1, le=1000)]] | None = Field(
        default=None, description="Which sessions (by number); all unbooked ones if left out"
    )


def _lock_resources(db: Session, practitioner_id: int, room_id: int) -> None:
    """Serialise bookings per practitioner and per room (always in the same order)."""
    begin_write(db)
    for key in sorted((f"diary:practitioner:{practitioner_id}", f"diary:room:{room_id}")):
        lock_key(db, key)


def _clash(
    db: Session,
    practitioner_id: int,
    room_id: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    ignore_id: int | None = None,
) -> Appointment | None:
    """A live booking of the practitioner or the room that overlaps [starts_at, ends_at)."""
    earliest = starts_at - dt.timedelta(minutes=MAX_DURATION_MINUTES)
    query = select(Appointment).where(
        or_(Appointment.practitioner_id == practitioner_id, Appointment.room_id == room_id),
        Appointment.status != "cancelled",
        Appointment.starts_at > earliest,
        Appointment.starts_at < ends_at,
        Appointment.ends_at > starts_at,
    )
    if ignore_id is not None:
        query = query.where(Appointment.id != ignore_id)
    return db.scalar(query.order_by(Appointment.starts_at).limit(1))


def _refuse_clash(clash: Appointment | None, practitioner_id: int, zone: ZoneInfo) -> None:
    if clash is None:
        return
    who = "the practitioner" if clash.practitioner_id == practitioner_id else "the room"
    local = clash.starts_at.astimezone(zone)
    raise Conflict(
        f"{who} is already booked from {local:%Y-%m-%d %H:%M} to "
        f"{clash.ends_at.astimezone(zone):%H:%M} (appointment {clash.id})"
    )


def _check_plan(db: Session, actor: Actor, data: AppointmentIn) -> None:
    """A plan named by a booking is the client's, and its session is one the plan has."""
    if data.plan_id is None:
        if data.plan_session is not None:
            raise InputError.one("plan_session", "needs plan_id")
        return
    plan = owned(db, actor, PlanRecord, data.plan_id, "plan")
    if plan.client_id != data.client_id:
        raise InputError.one("plan_id", f"plan {data.plan_id} is another client's")
    count = len(plan.plan.get("schedule", []))
    if data.plan_session is not None and data.plan_session > count:
        raise InputError.one("plan_session", f"the plan has {count} sessions")


def _insert(db: Session, actor: Actor, data: AppointmentIn, zone: ZoneInfo) -> Appointment:
    """Check and save one booking inside the caller's transaction (resources locked here)."""
    practitioner = practitioner_for(db, actor, data.practitioner_id)
    room = room_for(db, actor, data.room)
    _check_plan(db, actor, data)
    ends_at = data.starts_at + dt.timedelta(minutes=data.duration_minutes)
    _lock_resources(db, practitioner.id, room.id)
    _refuse_clash(
        _clash(db, practitioner.id, room.id, data.starts_at, ends_at), practitioner.id, zone
    )
    row = Appointment(
        clinic_id=actor.clinic_id,
        client_id=data.client_id,
        practitioner_id=practitioner.id,
        room_id=room.id,
        starts_at=data.starts_at,
        ends_at=ends_at,
        duration_minutes=data.duration_minutes,
        kind=data.kind,
        plan_id=data.plan_id,
        plan_session=data.plan_session,
        status="booked",
        created_by=actor.user_id,
    )
    db.add(row)
    db.flush()
    _audit(db, actor, "appointment.create", row, data.model_fields_set)
    return row


def _audit(db: Session, actor: Actor, action: str, row: Appointment, fields: Iterable[str]) -> None:
    audit(
        db,
        clinic_id=actor.clinic_id,
        actor_id=actor.user_id,
        action=action,
        entity="appointment",
        entity_id=row.id,
        fields=fields,
    )


def book(records: Records, actor: Actor, data: object) -> AppointmentOut:
    """Book one appointment; a clash of the practitioner or the room is a `Conflict`."""
    require(actor, Permission.BOOK)
    parsed = parse(AppointmentIn, data)
    with records.transaction() as db:
        live_client(db, actor, parsed.client_id, lock="shared")
        row = _insert(db, actor, parsed, records.clock.time_zone)
        schedule_appointment(db, records, row)
        return read_booking(db, row)


def book_plan(records: Records, actor: Actor, plan_id: int, data: object) -> list[AppointmentOut]:
    """Book the plan's sessions still to come on the days the course gives them (dated from
    what was done), at one chosen time: all of them or none (a clash names the first)."""
    require(actor, Permission.BOOK)
    parsed = parse(PlanBookingIn, data)
    zone = records.clock.time_zone
    with records.transaction() as db:
        plan = owned(db, actor, PlanRecord, plan_id, "plan")
        live_client(db, actor, plan.client_id, lock="shared")
        already = set(
            db.scalars(
                select(Appointment.plan_session).where(
                    Appointment.plan_id == plan.id, Appointment.status != "cancelled"
                )
            )
        )
        wanted = [
            entry
            for entry in due_sessions(db, plan)
            if entry.date is not None
            and entry.session not in already
            and (parsed.sessions is None or entry.session in parsed.sessions)
        ]
        if not wanted:
            raise InputError.one("sessions", "no session of this plan is left to book")
        rows = []
        for entry in wanted:
            assert entry.date is not None
            starts_at = dt.datetime.combine(entry.date, parsed.time, tzinfo=zone)
            booking = AppointmentIn(
                client_id=plan.client_id,
                practitioner_id=parsed.practitioner_id,
                room=parsed.room,
                starts_at=starts_at,
                duration_minutes=parsed.duration_minutes,
                kind=SESSION_KINDS[entry.kind],
                plan_id=plan.id,
                plan_session=entry.session,
            )
            rows.append(_insert(db, actor, booking, zone))
        for row in rows:
            schedule_appointment(db, records, row)
        return [read_booking(db, row) for row in rows]


def due_sessions(db: Session, plan: PlanRecord) -> list[ScheduledSession]:
    """The plan's sessions still to come, dated from the sessions done against it."""
    done = sorted(
        db.scalars(
            select(TreatmentSession.performed_on).where(
                TreatmentSession.plan_id == plan.id, is_current(TreatmentSession)
            )
        )
    )
    schedule = [ScheduledSession.model_validate(s) for s in plan.plan.get("schedule", [])]
    return upcoming(schedule, done)


def _live(db: Session, actor: Actor, appointment_id: int, version: int) -> Appointment:
    row = owned(db, actor, Appointment, appointment_id, "appointment")
    live_client(db, actor, row.client_id, lock="shared")
    if row.status != "booked":
        raise Conflict(f"appointment {appointment_id} is {row.status}")
    if row.version != version:
        raise Conflict(f"appointment {appointment_id} changed (now version {row.version}); reload")
    return row


def reschedule(records: Records, actor: Actor, appointment_id: int, data: object) -> AppointmentOut:
    """Move a booking (time, and optionally length, practitioner or room); audited."""
    require(actor, Permission.BOOK)
    change = parse(RescheduleIn, data)
    zone = records.clock.time_zone
    with records.transaction() as db:
        row = _live(db, actor, appointment_id, change.version)
        reminder = appointment_key(row)
        practitioner_id = row.practitioner_id
        if change.practitioner_id is not None:
            practitioner_id = practitioner_for(db, actor, change.practitioner_id).id
        room_id = row.room_id if change.room is None else room_for(db, actor, change.room).id
        duration = change.duration_minutes or row.duration_minutes
        ends_at = change.starts_at + dt.timedelta(minutes=duration)
        _lock_resources(db, practitioner_id, room_id)
        clash = _clash(db, practitioner_id, room_id, change.starts_at, ends_at, row.id)
        _refuse_clash(clash, practitioner_id, zone)
        row.starts_at, row.ends_at, row.duration_minutes = change.starts_at, ends_at, duration
        row.practitioner_id, row.room_id = practitioner_id, room_id
        db.flush()
        _audit(db, actor, "appointment.reschedule", row, change.model_fields_set - {"version"})
        if appointment_key(row) != reminder:
            drop_appointment(db, reminder)
            schedule_appointment(db, records, row)
        return read_booking(db, row)


def cancel(records: Records, actor: Actor, appointment_id: int, data: object) -> AppointmentOut:
    """Cancel a booking with a reason; the row stays (with the reason) and frees the slot."""
    require(actor, Permission.BOOK)
    change = parse(CancelIn, data)
    with records.transaction() as db:
        row = _live(db, actor, appointment_id, change.version)
        drop_appointment(db, appointment_key(row))
        row.status, row.cancel_reason = "cancelled", change.reason
        db.flush()
        _audit(db, actor, "appointment.cancel", row, ["status", "cancel_reason"])
        return read_booking(db, row)


def get_appointment(records: Records, actor: Actor, appointment_id: int) -> AppointmentOut:
    require(actor, Permission.READ)
    with records.transaction() as db:
        return read_booking(db, owned(db, actor, Appointment, appointment_id, "appointment"))


def list_appointments(
    records: Records,
    actor: Actor,
    day: dt.date,
    *,
    days: int = 1,
    practitioner_id: int | None = None,
    room: int | str | None = None,
    include_cancelled: bool = False,
) -> list[AppointmentOut]:
    """The bookings that start on the clinic's `day` (and the `days - 1` after it)."""
    require(actor, Permission.READ)
    check_day(day)
    if not 1 <= days <= 31:
        raise InputError.one("days", "must be between 1 and 31")
    start, end = day_bounds(day, days, records.clock.time_zone)
    with records.transaction() as db:
        room_id = None if room is None else room_for(db, actor, room).id
        return appointments_between(
            db,
            actor,
            start,
            end,
            practitioner_id=practitioner_id,
            room_id=room_id,
            include_cancelled=include_cancelled,
        )


class FreeSlot(Output):
    starts_at: dt.datetime
    ends_at: dt.datetime


def availability(
    records: Records, actor: Actor, day: dt.date, practitioner_id: int, room: int | str
) -> list[FreeSlot]:
    """The free stretches of a practitioner and a room within the day's opening hours."""
    require(actor, Permission.READ)
    check_day(day)
    zone = records.clock.time_zone
    hours = records.settings.opening_hours_by_weekday.get(day.weekday())
    if hours is None:
        return []
    opens = dt.datetime.combine(day, hours[0], tzinfo=zone).astimezone(dt.UTC)
    closes = dt.datetime.combine(day, hours[1], tzinfo=zone).astimezone(dt.UTC)
    with records.transaction() as db:
        practitioner = practitioner_for(db, actor, practitioner_id)
        room_id = room_for(db, actor, room).id
        earliest = opens - dt.timedelta(minutes=MAX_DURATION_MINUTES)
        busy = db.execute(
            select(Appointment.starts_at, Appointment.ends_at)
            .where(
                or_(
                    Appointment.practitioner_id == practitioner.id,
                    Appointment.room_id == room_id,
                ),
                Appointment.status != "cancelled",
                Appointment.starts_at > earliest,
                Appointment.starts_at < closes,
                Appointment.ends_at > opens,
            )
            .order_by(Appointment.starts_at)
        )
        slots, cursor = [], opens
        for starts_at, ends_at in busy:
            if starts_at > cursor:
                slots.append(FreeSlot(starts_at=cursor, ends_at=starts_at))
            cursor = max(cursor, ends_at)
        if cursor < closes:
            slots.append(FreeSlot(starts_at=cursor, ends_at=closes))
        return slots
