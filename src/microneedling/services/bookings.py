"""Bookings as every reader sees them (the diary, the course, the today page, the calendar
feeds): one output type and one query, by clinic day or by client, with the client's,
practitioner's and room's names joined in."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from microneedling.records.models import Appointment, Client, Room, User
from microneedling.services.access import Actor
from microneedling.services.common import Output

Kind = Literal["consultation", "test_spot", "treatment_session", "review"]
KINDS: tuple[str, ...] = ("consultation", "test_spot", "treatment_session", "review")
Status = Literal["booked", "completed", "cancelled"]


def client_name(client: Client) -> str:
    """The client as the diary names them (an erased client by number)."""
    return " ".join(filter(None, (client.given_name, client.family_name))) or f"client {client.id}"


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


def _out(row: Appointment, client: Client, practitioner: User, room: Room) -> AppointmentOut:
    return AppointmentOut(
        id=row.id,
        version=row.version,
        client_id=row.client_id,
        client_name=client_name(client),
        practitioner_id=row.practitioner_id,
        practitioner_name=practitioner.full_name,
        room_id=row.room_id,
        room=room.name,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        duration_minutes=row.duration_minutes,
        kind=row.kind,
        plan_id=row.plan_id,
        plan_session=row.plan_session,
        status=row.status,
        cancel_reason=row.cancel_reason,
        session_id=row.session_id,
    )


def _joined() -> Select[tuple[Appointment, Client, User, Room]]:
    return (
        select(Appointment, Client, User, Room)
        .join(Client, Client.id == Appointment.client_id)
        .join(User, User.id == Appointment.practitioner_id)
        .join(Room, Room.id == Appointment.room_id)
    )


def read_booking(db: Session, row: Appointment) -> AppointmentOut:
    client = db.get(Client, row.client_id)
    practitioner = db.get(User, row.practitioner_id)
    room = db.get(Room, row.room_id)
    assert client is not None and practitioner is not None and room is not None
    return _out(row, client, practitioner, room)


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
) -> list[AppointmentOut]:
    query = _joined().where(
        Appointment.clinic_id == actor.clinic_id,
        Appointment.starts_at >= start,
        Appointment.starts_at < end,
    )
    if practitioner_id is not None:
        query = query.where(Appointment.practitioner_id == practitioner_id)
    if room_id is not None:
        query = query.where(Appointment.room_id == room_id)
    if client_id is not None:
        query = query.where(Appointment.client_id == client_id)
    if not include_cancelled:
        query = query.where(Appointment.status != "cancelled")
    rows = db.execute(query.order_by(Appointment.starts_at, Appointment.id))
    return [_out(*row) for row in rows]
