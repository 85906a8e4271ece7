"""The diary: rooms, practitioners, appointments (book, move, cancel, list by day), free time,
booking a plan's sessions in one step, the today summary, and the practitioners' calendar
feeds (the feed itself is served at `/calendar/{token}.ics`, outside the API)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from microneedling.services import appointments, calendar_feeds, rooms, today
from microneedling.services.appointments import FreeSlot
from microneedling.services.bookings import AppointmentOut
from microneedling.services.calendar_feeds import FeedToken
from microneedling.services.common import DB_INT_MAX
from microneedling.services.rooms import PractitionerOut, RoomOut
from microneedling.services.today import Section, TodaySummary
from microneedling.web.deps import ActorDep, RecordsDep

router = APIRouter(tags=["diary"])
RoomQuery = Annotated[
    str | None, Query(description="A room's id (digits) or its name", max_length=80)
]


# An id in a query string: a number a row can have (a larger one would reach the database).
IdQuery = Annotated[int, Query(ge=1, le=DB_INT_MAX)]


def room_ref(value: str) -> int | str:
    """A room in a query string: digits are its id, other text its name."""
    return int(value) if value.isdigit() and len(value) < 10 else value


@router.get("/rooms")
def list_rooms(records: RecordsDep, actor: ActorDep) -> list[RoomOut]:
    return rooms.list_rooms(records, actor, include_retired=True)


@router.post("/rooms", status_code=201)
def create_room(
    records: RecordsDep, actor: ActorDep, body: Annotated[rooms.RoomIn, Body()]
) -> RoomOut:
    """Add a room (owners)."""
    return rooms.create_room(records, actor, body)


@router.patch("/rooms/{room_id}")
def change_room(
    records: RecordsDep, actor: ActorDep, room_id: int, body: Annotated[rooms.RoomChange, Body()]
) -> RoomOut:
    """Rename or retire a room (owners); `version` is the one you read."""
    return rooms.update_room(records, actor, room_id, body)


@router.get("/practitioners")
def list_practitioners(records: RecordsDep, actor: ActorDep) -> list[PractitionerOut]:
    return rooms.list_practitioners(records, actor)


@router.post("/appointments", status_code=201)
def book(
    records: RecordsDep, actor: ActorDep, body: Annotated[appointments.AppointmentIn, Body()]
) -> AppointmentOut:
    """Book an appointment; the practitioner or the room already booked then → 409."""
    return appointments.book(records, actor, body)


@router.get("/appointments")
def list_appointments(
    records: RecordsDep,
    actor: ActorDep,
    day: dt.date,
    days: Annotated[int, Query(ge=1, le=31)] = 1,
    practitioner_id: IdQuery | None = None,
    room: RoomQuery = None,
    include_cancelled: bool = False,
) -> list[AppointmentOut]:
    """Bookings starting on the clinic's `day` (and the `days - 1` after it)."""
    return appointments.list_appointments(
        records,
        actor,
        day,
        days=days,
        practitioner_id=practitioner_id,
        room=None if room is None else room_ref(room),
        include_cancelled=include_cancelled,
    )


@router.get("/appointments/{appointment_id}")
def read_appointment(records: RecordsDep, actor: ActorDep, appointment_id: int) -> AppointmentOut:
    return appointments.get_appointment(records, actor, appointment_id)


@router.post("/appointments/{appointment_id}/reschedule")
def reschedule(
    records: RecordsDep,
    actor: ActorDep,
    appointment_id: int,
    body: Annotated[appointments.RescheduleIn, Body()],
) -> AppointmentOut:
    """Move a booking; a clash → 409, a stale `version` → 409."""
    return appointments.reschedule(records, actor, appointment_id, body)


@router.post("/appointments/{appointment_id}/cancel")
def cancel(
    records: RecordsDep,
    actor: ActorDep,
    appointment_id: int,
    body: Annotated[appointments.CancelIn, Body()],
) -> AppointmentOut:
    """Cancel with a reason (kept on the booking and audited)."""
    return appointments.cancel(records, actor, appointment_id, body)


@router.post("/plans/{plan_id}/appointments", status_code=201)
def book_plan(
    records: RecordsDep,
    actor: ActorDep,
    plan_id: int,
    body: Annotated[appointments.PlanBookingIn, Body()],
) -> list[AppointmentOut]:
    """Book the plan's sessions still to come on their days at one time: all or none."""
    return appointments.book_plan(records, actor, plan_id, body)


@router.get("/availability")
def availability(
    records: RecordsDep,
    actor: ActorDep,
    practitioner_id: IdQuery,
    room: Annotated[str, Query(description="A room's id (digits) or its name", max_length=80)],
    day: dt.date,
) -> list[FreeSlot]:
    """Free stretches of the practitioner and the room within the day's opening hours."""
    return appointments.availability(records, actor, day, practitioner_id, room_ref(room))


@router.get("/today")
def today_summary(
    records: RecordsDep,
    actor: ActorDep,
    limit: Annotated[int, Query(description="Rows per list (each list's total is given)")] = 50,
    section: Annotated[Section | None, Query(description="The list to page through")] = None,
    offset: Annotated[int, Query(description="Where that list's page starts")] = 0,
) -> TodaySummary:
    """The clinic's day: appointments, sessions due and overdue, bookings to move, open
    findings, deferrals ending this week and adverse events awaiting follow-up; one page of
    each list with its total in `totals`."""
    query = {"limit": limit, "section": section, "offset": offset}
    return today.today_summary(records, actor, query)


@router.post("/practitioners/{user_id}/calendar-feed", status_code=201)
def renew_feed(records: RecordsDep, actor: ActorDep, user_id: int) -> FeedToken:
    """A new secret feed URL token (shown once); the previous one stops working."""
    return calendar_feeds.renew_feed(records, actor, user_id)


@router.delete("/practitioners/{user_id}/calendar-feed", status_code=204)
def revoke_feed(records: RecordsDep, actor: ActorDep, user_id: int) -> Response:
    calendar_feeds.revoke_feed(records, actor, user_id)
    return Response(status_code=204)
