"""Bookings as every reader sees them (the diary, the course, the today page, the calendar
feeds): one output type and one query, by clinic day or by client, with the client's,
practitioner's and room's names joined in."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from microneedling.records.models import Appointment, Client, Room, User
from microneedling.services.access import Actor
from microneedling.services.common import Output

Kind = Literal["consultation", "test_spot", "treatment_session", "review"]
KINDS: tuple[str, ...] = ("consultation", "test_spot", "treatment_session", "review")
Status = Literal["booked", "completed", "cancelled"]


def client_name(client: Client) -> str:
    return display_name(client.given_name, client.family_name, client.id)


def display_name(given: str | None, family: str | None, client_id: int) -> str:
    """The client as the diary names them (an erased client by number)."""
    return " ".join(filter(None, (given, family))) or f"client {client_id}"


class AppointmentOut(Output):
    id: int
    version: int
    client_id: int
    client_name: str
    practitioner_id: int
    practitioner_name: str
    room_id: int
    room: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    duration_minutes: int
    kind: Kind
    plan_id: int | None
    plan_session: int | None
    status: Status
    cancel_reason: str | None
    session_id: int | None


# The columns a booking is read from, in AppointmentOut's order after the names.
BOOKING_COLUMNS = (
    Appointment.id,
    Appointment.version,
    Appointment.client_id,
    Appointment.practitioner_id,
    Appointment.room_id,
    Appointment.starts_at,
    Appointment.ends_at,
    Appointment.duration_minutes,
    Appointment.kind,
    Appointment.plan_id,
    Appointment.plan_session,
    Appointment.status,
    Appointment.cancel_reason,
    Appointment.session_id,
)
KEYS = tuple(column.key for column in BOOKING_COLUMNS)
NAMES = (Client.given_name, Client.family_name, User.full_name, Room.name)


BOOKINGS = TypeAdapter(list[AppointmentOut])


def booking_query() -> Select[Any]:
    """Bookings with their client's, practitioner's and room's names (`booking_fields`)."""
    return (
        select(*BOOKING_COLUMNS, *NAMES)
        .join(Client, Client.id == Appointment.client_id)
        .join(User, User.id == Appointment.practitioner_id)
        .join(Room, Room.id == Appointment.room_id)
    )


def booking_fields(row: Any) -> dict[str, Any]:
    """A booking's fields from its joined row (columns a caller added come after)."""
    fields = dict(zip(KEYS, row, strict=False))
    given, family, practitioner, room = row[len(BOOKING_COLUMNS) : len(BOOKING_COLUMNS) + 4]
    fields["client_name"] = display_name(given, family, fields["client_id"])
    fields["practitioner_name"], fields["room"] = practitioner, room
    return fields


def read_booking(db: Session, row: Appointment) -> AppointmentOut:
    db.flush()
    return AppointmentOut.model_validate(
        booking_fields(db.execute(booking_query().where(Appointment.id == row.id)).one())
    )


def day_bounds(day: dt.date, days: int, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where the clinic's `day` begins and `days` later ends (DST-aware)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(), tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def appointments_between(
    db: Session,
    actor: Actor,
    start: dt.datetime,
    end: dt.datetime,
    *,
    practitioner_id: int | None = None,
    room_id: int | None = None,
    client_id: int | None = None,
    include_cancelled: bool = False,
    planned_only: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[AppointmentOut]:
    """The bookings starting in [start, end), in time order (`limit` of them from `offset`)."""
    query = booking_query().where(
        *_between(
            actor, start, end, practitioner_id, room_id, client_id, include_cancelled, planned_only
        )
    )
    query = query.order_by(Appointment.starts_at, Appointment.id).limit(limit).offset(offset)
    # One validation of the whole list: the diary reads thousands of bookings at a time.
    return BOOKINGS.validate_python([booking_fields(row) for row in db.execute(query)])


def count_between(actor: Actor, start: dt.datetime, end: dt.datetime) -> Select[Any]:
    """The count of bookings (not cancelled) starting in [start, end), as a query to run."""
    conditions = _between(actor, start, end, None, None, None, False, False)
    return select(func.count()).select_from(Appointment).where(*conditions)


def _between(
    actor: Actor,
    start: dt.datetime,
    end: dt.datetime,
    practitioner_id: int | None,
    room_id: int | None,
    client_id: int | None,
    include_cancelled: bool,
    planned_only: bool,
) -> list[ColumnElement[bool]]:
    conditions = [
        Appointment.clinic_id == actor.clinic_id,
        Appointment.starts_at >= start,
        Appointment.starts_at < end,
    ]
    if practitioner_id is not None:
        conditions.append(Appointment.practitioner_id == practitioner_id)
    if room_id is not None:
        conditions.append(Appointment.room_id == room_id)
    if client_id is not None:
        conditions.append(Appointment.client_id == client_id)
    if not include_cancelled:
        conditions.append(Appointment.status != "cancelled")
    if planned_only:
        conditions.append(Appointment.plan_id.is_not(None))
    return conditions
