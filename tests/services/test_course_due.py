"""The stored due days of each course (what the today page reads) always equal what the
course's own rule gives for the records as they stand, whatever was saved in whatever order:
plans, sessions, amended sessions, a new intake with a deferral; so do the stored findings that
hold treatment back and the sessions awaiting a follow-up. The backfill gives the same rows as
the saves did; an erasure takes them away."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import replace
from typing import Any

from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.concurrency import at_once
from tests.world import TODAY, World, planned_course

from microneedling.clinical.models import Finding
from microneedling.records.database import _alembic_config, upgrade
from microneedling.records.models import AwaitingFollowUp, CourseDue, HeldFinding
from microneedling.services import clients
from microneedling.services.amendments import amend_record
from microneedling.services.awaiting import rebuild_awaiting
from microneedling.services.clinical_records import record
from microneedling.services.clock import Clock
from microneedling.services.common import Records
from microneedling.services.course import client_course
from microneedling.services.course_due import rebuild_course_due
from microneedling.services.intakes import INTAKE
from microneedling.services.plans import PLAN
from microneedling.services.treatment_sessions import SESSION

# Sessions are recorded as of a day late enough that none of their dates is in the future.
LATER = TODAY + dt.timedelta(days=400)

Step = tuple[str, int]
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("session"), st.integers(min_value=-20, max_value=200)),
        st.tuples(st.just("reaction"), st.integers(min_value=-20, max_value=200)),
        st.tuples(st.just("follow_up"), st.just(0)),
        st.tuples(st.just("amend"), st.integers(min_value=-20, max_value=200)),
        st.tuples(st.just("plan"), st.integers(min_value=0, max_value=30)),
        st.tuples(st.just("deferral"), st.just(0)),
    ),
    max_size=6,
)


def _later(world: World) -> Records:
    noon = dt.datetime.combine(LATER, dt.time(12), tzinfo=dt.UTC)
    return replace(world.records, clock=Clock(fixed=noon))


def _stored(world: World, client_id: int) -> list[tuple[int, str, dt.date | None, bool]]:
    with world.records.transaction() as db:
        rows = db.scalars(
            select(CourseDue)
            .where(CourseDue.client_id == client_id)
            .order_by(CourseDue.plan_id, CourseDue.position)
        )
        return [(r.session, r.kind, r.due_on, r.is_next) for r in rows]


def _by_rule(world: World, client_id: int) -> list[tuple[int, str, dt.date | None, bool]]:
    course = client_course(world.records, world.reader, client_id)
    return [(s.session, s.kind, s.date, n == 0) for n, s in enumerate(course.upcoming)]


def _awaiting(world: World, client_id: int) -> tuple[list[Any], list[Any]]:
    """The findings and follow-ups stored for the client, as the today page reads them."""
    with world.records.transaction() as db:
        held = db.scalars(
            select(HeldFinding)
            .where(HeldFinding.client_id == client_id)
            .order_by(HeldFinding.position)
        )
        follow = db.scalars(
            select(AwaitingFollowUp)
            .where(AwaitingFollowUp.client_id == client_id)
            .order_by(AwaitingFollowUp.session_id)
        )
        return (
            [(h.code, h.action, h.until_on) for h in held],
            [(f.session_id, f.events) for f in follow],
        )


def _awaiting_by_records(world: World, client_id: int) -> tuple[list[Any], list[Any]]:
    """The same worked out from the client's current records."""
    course = client_course(world.records, world.reader, client_id)
    findings = [
        Finding.model_validate(f) for f in (course.intake.findings if course.intake else [])
    ]
    held = [
        (f.code, f.action, f.until.date if f.until else None)
        for f in findings
        if f.action in ("defer", "clinician_only", "refuse")
    ]
    follow = [
        (s.id, [e["event"] for e in s.adverse_events if not e.get("follow_up")])
        for s in sorted(course.sessions, key=lambda s: s.id)
    ]
    return held, [(i, events) for i, events in follow if events]


def _apply(world: World, client_id: int, intake_id: int, plan_id: int, step: Step) -> int:
    """Save what the step says; the plan id the next sessions are logged against."""
    action, days = step
    later = _later(world)
    if action in ("session", "reaction"):
        events = [{"event": "prolonged erythema", "severity": "mild"}] * (action == "reaction")
        _log(later, world, client_id, plan_id, TODAY + dt.timedelta(days=days), events)
    elif action == "follow_up":
        course = client_course(world.records, world.reader, client_id)
        waiting = [s for s in course.sessions if s.adverse_events]
        if waiting:
            events = [{**e, "follow_up": "settled"} for e in waiting[-1].adverse_events]
            data = {"changes": {"adverse_events": events}, "reason": "follow-up recorded"}
            amend_record(later, world.clinician, "session", waiting[-1].id, data)
    elif action == "amend":
        course = client_course(world.records, world.reader, client_id)
        if course.sessions_done:
            changes = {"performed_on": (TODAY + dt.timedelta(days=days)).isoformat()}
            data = {"changes": changes, "reason": "date corrected"}
            amend_record(later, world.clinician, "session", course.sessions_done[-1].id, data)
    elif action == "plan":
        start = TODAY + dt.timedelta(days=days)
        body = {
            "intake_id": intake_id,
            "device": {"type": "pen"},
            "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks", "forehead"]}],
            "start_date": start.isoformat(),
        }
        plan: Any = record(world.records, world.clinician, PLAN, client_id, body)
        return int(plan.id)
    else:
        held = [{"code": "herpes_labialis", "status": "active"}]
        answers = {"fitzpatrick": 2, "conditions": held}
        record(world.records, world.clinician, INTAKE, client_id, {"answers": answers})
    return plan_id


def _log(
    records: Records,
    world: World,
    client_id: int,
    plan_id: int,
    day: dt.date,
    adverse_events: list[dict[str, str]] | None = None,
) -> None:
    body = {
        "adverse_events": adverse_events or [],
        "plan_id": plan_id,
        "performed_on": day.isoformat(),
        "device": "pen",
        "single_use": True,
        "zones": [{"zone": "cheeks", "needle_mm": 0.5}],
        "confirm_departures": True,
        "departure_reason": "as planned with the client",
    }
    record(records, world.clinician, SESSION, client_id, body)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_the_stored_due_days_equal_the_course_rule_after_any_saves(
    world: World, steps: list[Step]
) -> None:
    """Property: after every save, the stored rows are the course's sessions still to come,
    dated by the rule, the first marked next; rebuilding them all changes nothing."""
    client, intake, plan = planned_course(world)
    plan_id = plan.id
    assert _stored(world, client.id) == _by_rule(world, client.id) != []
    for step in steps:
        plan_id = _apply(world, client.id, intake.id, plan_id, step)
        assert _stored(world, client.id) == _by_rule(world, client.id)
        assert _awaiting(world, client.id) == _awaiting_by_records(world, client.id)
    before = _stored(world, client.id), _awaiting(world, client.id)
    with world.records.engine.begin() as connection:
        rebuild_course_due(connection)
        rebuild_awaiting(connection)
    assert (_stored(world, client.id), _awaiting(world, client.id)) == before


def test_a_late_session_moves_the_next_due_day_and_erasure_removes_the_rows(
    world: World,
) -> None:
    client, _intake, plan = planned_course(world)
    first = _stored(world, client.id)
    assert first[0][2] == TODAY and first[0][3]
    _log(_later(world), world, client.id, plan.id, TODAY + dt.timedelta(days=3))
    after = _stored(world, client.id)
    assert len(after) == len(first) - 1
    second_planned = first[1][2]
    assert second_planned is not None
    assert after[0][2] == second_planned + dt.timedelta(days=3) and after[0][3]
    clients.erase_client(world.records, world.owner, client.id)
    assert _stored(world, client.id) == [] and _awaiting(world, client.id) == ([], [])


def test_the_migration_fills_the_table_for_the_records_already_there(world: World) -> None:
    """Taken back to the revision before the table and upgraded again, a database with plans
    and sessions has the same rows as the saves wrote."""
    client, _intake, plan = planned_course(world)
    _log(_later(world), world, client.id, plan.id, TODAY + dt.timedelta(days=5))
    held = [{"code": "herpes_labialis", "status": "active"}]
    answers = {"fitzpatrick": 2, "conditions": held}
    record(world.records, world.clinician, INTAKE, client.id, {"answers": answers})
    events = [{"event": "prolonged erythema", "severity": "mild"}]
    _log(_later(world), world, client.id, plan.id, TODAY + dt.timedelta(days=30), events)
    before = _stored(world, client.id), _awaiting(world, client.id)
    assert before[1][0] and before[1][1]
    engine = world.records.engine
    command.downgrade(_alembic_config(engine), "0015")
    upgrade(engine)
    assert (_stored(world, client.id), _awaiting(world, client.id)) == before
    assert before == (_by_rule(world, client.id), _awaiting_by_records(world, client.id))


def test_sessions_saved_at_once_for_one_client_both_count(world: World) -> None:
    """Two sessions of one course saved at the same moment (two app workers): both are kept and
    the stored course counts both, as the rule does from the records."""
    client, _intake, plan = planned_course(world)
    later = _later(world)
    days = [TODAY + dt.timedelta(days=n) for n in (1, 2, 3, 4)]
    outcomes = at_once(
        [functools.partial(_log, later, world, client.id, plan.id, day) for day in days]
    )
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert _stored(world, client.id) == _by_rule(world, client.id)
    assert len(client_course(world.records, world.reader, client.id).sessions_done) == len(days)
