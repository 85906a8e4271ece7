"""The today summary: who comes, whose session is due or overdue (dated from what was done),
bookings to move, findings that hold treatment back, deferrals ending this week, adverse events
without a follow-up."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from tests.world import TODAY, World, new_client, planned_course

from microneedling.clinical.models import Plan
from microneedling.services import appointments, rooms
from microneedling.services.clinical_records import record
from microneedling.services.clock import Clock
from microneedling.services.common import Records
from microneedling.services.intakes import INTAKE
from microneedling.services.today import today_summary
from microneedling.services.treatment_sessions import SESSION


def _at(world: World, day: dt.date) -> Records:
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    return replace(world.records, clock=Clock(fixed=noon))


def _session(world: World, client_id: int, plan_id: int, day: dt.date, **extra: object) -> None:
    record(
        _at(world, day),
        world.clinician,
        SESSION,
        client_id,
        {
            "plan_id": plan_id,
            "performed_on": day.isoformat(),
            "device": "pen",
            "single_use": True,
            "zones": [{"zone": "cheeks", "needle_mm": 0.5}],
            "confirm_departures": True,
            "departure_reason": "as planned with the client",
            **extra,
        },
    )


def test_the_next_session_is_due_then_overdue_and_a_booking_moves_with_the_course(
    world: World,
) -> None:
    rooms.create_room(world.records, world.owner, {"name": "Room 1"})
    client, _intake, plan = planned_course(world)
    schedule = Plan.model_validate(plan.plan).schedule
    assert schedule[0].date == TODAY
    summary = today_summary(world.records, world.reader)
    assert [(d.client_id, d.session) for d in summary.due] == [(client.id, 1)]
    assert summary.overdue == []
    booked = appointments.book_plan(
        world.records,
        world.assistant,
        plan.id,
        {
            "practitioner_id": world.clinician.user_id,
            "room": "Room 1",
            "time": "09:00",
            "duration_minutes": 30,
        },
    )
    # The first session is done two days late: the second falls due two days later than booked.
    late = TODAY + dt.timedelta(days=2)
    _session(world, client.id, plan.id, late)
    second = schedule[1].date
    assert second is not None
    a_few_days_before = _at(world, second - dt.timedelta(days=3))
    summary = today_summary(a_few_days_before, world.reader)
    moved = {m.appointment.id: m.due_on for m in summary.to_move}
    assert moved == {booked[1].id: second + dt.timedelta(days=2)}
    after_due = _at(world, second + dt.timedelta(days=5))
    overdue = today_summary(after_due, world.reader).overdue
    assert [(d.session, d.due_on) for d in overdue] == [(2, second + dt.timedelta(days=2))]


def test_findings_deferrals_ending_and_adverse_events_without_follow_up(world: World) -> None:
    client = new_client(world)
    record(
        world.records,
        world.clinician,
        INTAKE,
        client.id,
        {
            "answers": {
                "fitzpatrick": 2,
                "conditions": [{"code": "herpes_labialis", "status": "active"}],
            }
        },
    )
    summary = today_summary(world.records, world.reader)
    assert [(f.client_id, f.code) for f in summary.open_findings] == [
        (client.id, "herpes_labialis")
    ]
    deferral = summary.open_findings[0].until
    assert deferral is not None and deferral > TODAY + dt.timedelta(days=6)
    assert today_summary(world.records, world.reader).deferrals_ending == []
    week_before = _at(world, deferral - dt.timedelta(days=3))
    assert [f.code for f in today_summary(week_before, world.reader).deferrals_ending] == [
        "herpes_labialis"
    ]
    assert (
        today_summary(world.records, world.reader).deferrals_ending == []
        or (deferral - TODAY).days < 7
    )

    other, _intake, plan = planned_course(world)
    _session(
        world,
        other.id,
        plan.id,
        TODAY,
        adverse_events=[
            {"event": "prolonged erythema", "severity": "mild"},
            {"event": "acne flare", "severity": "mild", "follow_up": "settled by day 5"},
        ],
    )
    (waiting,) = today_summary(world.records, world.reader).adverse_events
    assert (waiting.client_id, waiting.events) == (other.id, ["prolonged erythema"])


def test_another_clinics_day_is_not_shown(world: World) -> None:
    planned_course(world)
    summary = today_summary(world.records, world.outsider)
    assert (summary.due, summary.open_findings, summary.appointments) == ([], [], [])


def test_each_total_counts_the_whole_list_in_one_statement_for_all_seven(world: World) -> None:
    """A page of one row still carries each list's whole count, and the summary's statements
    do not grow with the clinic: a page per list and one statement for the seven totals."""
    from sqlalchemy import event

    for _ in range(3):
        planned_course(world)
        herpes = {"code": "herpes_labialis", "status": "active"}
        record(
            world.records,
            world.clinician,
            INTAKE,
            new_client(world).id,
            {"answers": {"fitzpatrick": 2, "conditions": [herpes]}},
        )
    statements: list[str] = []

    def counted(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(world.records.engine, "before_cursor_execute", counted)
    try:
        whole = today_summary(world.records, world.reader)
        whole_statements, statements[:] = len(statements), []
        one = today_summary(world.records, world.reader, {"limit": 1})
    finally:
        event.remove(world.records.engine, "before_cursor_execute", counted)
    lengths = {name: len(getattr(whole, name)) for name in type(whole.totals).model_fields}
    assert whole.totals.model_dump() == lengths
    assert (lengths["due"], lengths["open_findings"]) == (3, 3)
    assert one.totals == whole.totals
    assert all(len(getattr(one, name)) == min(1, n) for name, n in lengths.items())
    assert whole_statements == len(statements) == 8
