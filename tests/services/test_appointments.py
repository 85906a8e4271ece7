"""The diary: bookings, clashes (also at the same moment, on both databases), plan bookings,
moving and cancelling, the session that completes a booking, and daylight-saving days."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.concurrency import at_once
from tests.world import TODAY, World, new_client, planned_course

from microneedling.clinical.models import Plan
from microneedling.errors import InputError
from microneedling.records.models import AuditEntry
from microneedling.services import appointments, rooms
from microneedling.services.clinical_records import record
from microneedling.services.clock import Clock
from microneedling.services.course import client_course
from microneedling.services.errors import Conflict, Forbidden
from microneedling.services.treatment_sessions import SESSION

LONDON = ZoneInfo("Europe/London")
NINE = dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC)


def _room(world: World, name: str = "Room 1") -> rooms.RoomOut:
    return rooms.create_room(world.records, world.owner, {"name": name})


def _booking(world: World, client_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "practitioner_id": world.clinician.user_id,
        "room": "Room 1",
        "starts_at": NINE.isoformat(),
        "duration_minutes": 60,
        "kind": "consultation",
        **changes,
    }


def test_a_booking_holds_its_time_in_utc_and_is_listed_on_its_day(world: World) -> None:
    _room(world)
    client = new_client(world)
    local = NINE.astimezone(dt.timezone(dt.timedelta(hours=2)))
    booked = appointments.book(
        world.records, world.assistant, _booking(world, client.id, starts_at=local.isoformat())
    )
    assert booked.starts_at == NINE and booked.ends_at == NINE + dt.timedelta(hours=1)
    assert booked.status == "booked" and booked.room == "Room 1"
    day = appointments.list_appointments(world.records, world.reader, NINE.date())
    assert [a.id for a in day] == [booked.id]
    assert appointments.list_appointments(world.records, world.reader, TODAY) == []


@pytest.mark.parametrize(
    ("changes", "who"),
    [
        (
            {"starts_at": (NINE + dt.timedelta(minutes=30)).isoformat(), "room": "Room 2"},
            "practitioner",
        ),
        ({"practitioner_id": None}, "room"),
    ],
    ids=["same-practitioner", "same-room"],
)
def test_an_overlapping_booking_of_the_practitioner_or_room_is_a_conflict(
    world: World, changes: dict[str, Any], who: str
) -> None:
    _room(world)
    _room(world, "Room 2")
    client = new_client(world)
    appointments.book(world.records, world.clinician, _booking(world, client.id))
    if changes.get("practitioner_id", 0) is None:
        changes = {"practitioner_id": world.owner.user_id}
    with pytest.raises(Conflict, match=f"the {who} is already booked"):
        appointments.book(world.records, world.clinician, _booking(world, client.id, **changes))
    # Back to back is no clash.
    after = (NINE + dt.timedelta(hours=1)).isoformat()
    appointments.book(world.records, world.clinician, _booking(world, client.id, starts_at=after))


def test_simultaneous_bookings_of_one_slot_give_one_booking_and_conflicts(world: World) -> None:
    _room(world)
    _room(world, "Room 2")
    client = new_client(world)
    calls = [
        functools.partial(
            appointments.book,
            world.records,
            world.clinician,
            _booking(world, client.id, room=f"Room {1 + i % 2}"),
        )
        for i in range(6)
    ]
    outcomes = at_once(calls)
    booked = [o for o in outcomes if isinstance(o, appointments.AppointmentOut)]
    assert len(booked) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in outcomes if o is not booked[0]), outcomes
    assert len(appointments.list_appointments(world.records, world.reader, NINE.date())) == 1


def test_simultaneous_moves_into_one_slot_leave_one_there(world: World) -> None:
    _room(world)
    client = new_client(world)
    rows = [
        appointments.book(
            world.records,
            world.clinician,
            _booking(world, client.id, starts_at=(NINE + dt.timedelta(hours=h)).isoformat()),
        )
        for h in (2, 4, 6)
    ]
    target = (NINE + dt.timedelta(hours=8)).isoformat()
    outcomes = at_once(
        [
            functools.partial(
                appointments.reschedule,
                world.records,
                world.clinician,
                row.id,
                {"version": row.version, "starts_at": target},
            )
            for row in rows
        ]
    )
    assert sum(isinstance(o, appointments.AppointmentOut) for o in outcomes) == 1, outcomes


def test_a_reader_cannot_book_and_bad_input_names_the_field(world: World) -> None:
    _room(world)
    client = new_client(world)
    with pytest.raises(Forbidden):
        appointments.book(world.records, world.reader, _booking(world, client.id))
    with pytest.raises(InputError, match="starts_at"):
        appointments.book(
            world.records, world.clinician, _booking(world, client.id, starts_at="2026-03-01T09:00")
        )
    with pytest.raises(InputError, match="room"):
        appointments.book(world.records, world.clinician, _booking(world, client.id, room="Attic"))
    with pytest.raises(InputError, match="practitioner_id"):
        appointments.book(
            world.records,
            world.clinician,
            _booking(world, client.id, practitioner_id=world.assistant.user_id),
        )
    with pytest.raises(InputError, match="kind"):
        appointments.book(world.records, world.clinician, _booking(world, client.id, kind="spa"))


def test_a_room_is_named_by_id_or_name(world: World) -> None:
    room = _room(world, "42")
    client = new_client(world)
    by_name = appointments.book(
        world.records, world.clinician, _booking(world, client.id, room="42")
    )
    later = (NINE + dt.timedelta(hours=2)).isoformat()
    by_id = appointments.book(
        world.records, world.clinician, _booking(world, client.id, room=room.id, starts_at=later)
    )
    assert by_name.room_id == by_id.room_id == room.id


def test_moving_and_cancelling_are_audited_and_cancelling_frees_the_slot(world: World) -> None:
    _room(world)
    client = new_client(world)
    booked = appointments.book(world.records, world.clinician, _booking(world, client.id))
    later = NINE + dt.timedelta(hours=3)
    moved = appointments.reschedule(
        world.records,
        world.assistant,
        booked.id,
        {"version": booked.version, "starts_at": later.isoformat(), "duration_minutes": 30},
    )
    assert (moved.starts_at, moved.ends_at) == (later, later + dt.timedelta(minutes=30))
    with pytest.raises(Conflict, match="changed"):
        appointments.cancel(
            world.records, world.assistant, booked.id, {"version": booked.version, "reason": "ill"}
        )
    with pytest.raises(InputError, match="reason"):
        appointments.cancel(world.records, world.assistant, booked.id, {"version": moved.version})
    cancelled = appointments.cancel(
        world.records, world.assistant, booked.id, {"version": moved.version, "reason": "ill"}
    )
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "ill")
    again = _booking(world, client.id, starts_at=later.isoformat())
    assert appointments.book(world.records, world.clinician, again).status == "booked"
    with world.records.transaction() as db:
        actions = db.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "appointment")
            .order_by(AuditEntry.id)
        )
        assert list(actions) == [
            "appointment.create",
            "appointment.reschedule",
            "appointment.cancel",
            "appointment.create",
        ]


def test_the_plan_is_booked_in_one_step_on_its_dates_and_the_session_completes_it(
    world: World,
) -> None:
    _room(world)
    client, _intake, plan = planned_course(world)
    schedule = Plan.model_validate(plan.plan).schedule
    booked = appointments.book_plan(
        world.records,
        world.assistant,
        plan.id,
        {
            "practitioner_id": world.clinician.user_id,
            "room": "Room 1",
            "time": "10:30",
            "duration_minutes": 45,
        },
    )
    assert [(a.plan_session, a.starts_at.date()) for a in booked] == [
        (s.session, s.date) for s in schedule if s.date is not None
    ]
    assert all(a.starts_at.time() == dt.time(10, 30) for a in booked)
    assert {a.kind for a in booked} <= {"test_spot", "treatment_session"}
    with pytest.raises(InputError, match="sessions"):
        appointments.book_plan(
            world.records,
            world.assistant,
            plan.id,
            {
                "practitioner_id": world.clinician.user_id,
                "room": 1,
                "time": "10:30",
                "duration_minutes": 45,
            },
        )
    first = booked[0]
    assert first.starts_at.date() == TODAY
    record(
        world.records,
        world.clinician,
        SESSION,
        client.id,
        {
            "plan_id": plan.id,
            "performed_on": TODAY.isoformat(),
            "device": "pen",
            "single_use": True,
            "zones": [{"zone": "cheeks", "needle_mm": 0.5}],
            "confirm_departures": True,
            "departure_reason": "test",
        },
    )
    done = appointments.get_appointment(world.records, world.reader, first.id)
    assert done.status == "completed" and done.session_id is not None


def test_a_clash_in_a_plan_booking_books_none_of_it(world: World) -> None:
    _room(world)
    client, _intake, plan = planned_course(world)
    blocker = dt.datetime.combine(TODAY, dt.time(10), tzinfo=dt.UTC)
    appointments.book(
        world.records,
        world.clinician,
        _booking(world, new_client(world, "Bo").id, starts_at=blocker.isoformat()),
    )
    body = {
        "practitioner_id": world.clinician.user_id,
        "room": "Room 1",
        "time": "10:30",
        "duration_minutes": 45,
    }
    with pytest.raises(Conflict):
        appointments.book_plan(world.records, world.assistant, plan.id, body)
    assert client_course(world.records, world.reader, client.id).bookings == []


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (dt.date(2026, 10, 24), 8),  # Saturday before the October change: BST
        (dt.date(2026, 10, 26), 9),  # Monday after: GMT
        (dt.date(2027, 3, 27), 9),  # Saturday before the March change: GMT
        (dt.date(2027, 3, 29), 8),  # Monday after: BST
    ],
)
def test_nine_in_london_stays_nine_across_the_clock_changes(
    world: World, day: dt.date, utc_hour: int
) -> None:
    records = replace(world.records, clock=Clock(time_zone=LONDON, fixed=world.records.clock.now()))
    _room(world)
    client = new_client(world)
    starts = dt.datetime.combine(day, dt.time(9), tzinfo=LONDON)
    booked = appointments.book(
        records, world.clinician, _booking(world, client.id, starts_at=starts.isoformat())
    )
    assert booked.starts_at.astimezone(dt.UTC).hour == utc_hour
    assert booked.starts_at.astimezone(LONDON).time() == dt.time(9)
    listed = appointments.list_appointments(records, world.reader, day)
    assert [a.id for a in listed] == [booked.id]


def test_a_weekly_plan_booking_keeps_local_time_across_a_clock_change(world: World) -> None:
    """Sessions booked at 09:00 London either side of the October change: same local time,
    a different UTC hour."""
    zone_clock = Clock(time_zone=LONDON, fixed=dt.datetime(2026, 10, 1, 8, tzinfo=dt.UTC))
    records = replace(world.records, clock=zone_clock)
    _room(world)
    client = new_client(world)
    times = [
        dt.datetime.combine(dt.date(2026, 10, 20) + dt.timedelta(days=7 * week), dt.time(9), LONDON)
        for week in range(2)
    ]
    booked = [
        appointments.book(
            records, world.clinician, _booking(world, client.id, starts_at=t.isoformat())
        )
        for t in times
    ]
    assert [b.starts_at.astimezone(LONDON).hour for b in booked] == [9, 9]
    assert [b.starts_at.astimezone(dt.UTC).hour for b in booked] == [8, 9]


def test_availability_is_the_opening_hours_less_the_bookings(world: World) -> None:
    _room(world)
    client = new_client(world)
    monday = TODAY + dt.timedelta(days=(7 - TODAY.weekday()) % 7 or 7)
    start = dt.datetime.combine(monday, dt.time(11), tzinfo=dt.UTC)
    appointments.book(
        world.records, world.clinician, _booking(world, client.id, starts_at=start.isoformat())
    )
    slots = appointments.availability(
        world.records, world.reader, monday, world.clinician.user_id, "Room 1"
    )
    assert [(s.starts_at.hour, s.ends_at.hour) for s in slots] == [(9, 11), (12, 18)]
    sunday = monday - dt.timedelta(days=1)
    assert (
        appointments.availability(
            world.records, world.reader, sunday, world.clinician.user_id, "Room 1"
        )
        == []
    )


_days = itertools.count(30)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    attempts=st.lists(
        st.tuples(st.integers(0, 48), st.integers(1, 12), st.sampled_from(["Room 1", "Room 2"])),
        min_size=1,
        max_size=12,
    )
)
def test_live_bookings_never_overlap_whatever_is_tried(
    world: World, attempts: list[tuple[int, int, str]]
) -> None:
    """Each attempt is booked or refused as a clash; what is booked never overlaps, for a
    practitioner or a room."""
    if not rooms.list_rooms(world.records, world.owner):
        _room(world)
        _room(world, "Room 2")
    client = new_client(world)
    day = TODAY + dt.timedelta(days=next(_days))
    opens = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)
    practitioners = [world.clinician.user_id, world.owner.user_id]
    for index, (slot, length, room) in enumerate(attempts):
        body = _booking(
            world,
            client.id,
            practitioner_id=practitioners[index % 2],
            room=room,
            starts_at=(opens + dt.timedelta(minutes=15 * slot)).isoformat(),
            duration_minutes=15 * length,
        )
        with contextlib.suppress(Conflict):
            appointments.book(world.records, world.assistant, body)
    booked = appointments.list_appointments(world.records, world.reader, day)
    assert booked  # the first attempt of a fresh day always fits
    for first, second in itertools.combinations(booked, 2):
        shared = first.practitioner_id == second.practitioner_id or first.room == second.room
        overlap = first.starts_at < second.ends_at and second.starts_at < first.ends_at
        assert not (shared and overlap), (first, second)
