"""The course read model: one read gives the client, alerts, current intake and open findings,
the typed plan, sessions done and to come (dated from what was done), scores, photos, consents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event
from tests.services.test_photos import PNG
from tests.world import TODAY, World, planned_course

from microneedling.clinical.models import Plan
from microneedling.services import amendments, photos
from microneedling.services.clients import update_client
from microneedling.services.clinical_records import record
from microneedling.services.consents import CONSENT
from microneedling.services.course import alerts_in, client_course
from microneedling.services.intakes import INTAKE
from microneedling.services.scores import SCORE
from microneedling.services.treatment_sessions import SESSION


def _session(world: World, client_id: int, plan_id: int, day: dt.date) -> Any:
    data = {
        "plan_id": plan_id,
        "performed_on": day.isoformat(),
        "device": "pen",
        "single_use": True,
        "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
    }
    return record(world.records, world.clinician, SESSION, client_id, data)


def test_the_course_holds_every_current_record_and_the_next_session_dated_from_the_last(
    world: World,
) -> None:
    client, intake, plan = planned_course(world)
    schedule = Plan.model_validate(plan.plan).schedule
    gap = schedule[1].date - schedule[0].date  # type: ignore[operator]
    done_on = TODAY - dt.timedelta(days=5)
    session = _session(world, client.id, plan.id, done_on)
    record(
        world.records,
        world.clinician,
        CONSENT,
        client.id,
        {
            "scope": "treatment",
            "signer_name": "Ann Lee",
            "method": "written_signature",
            "plan_id": plan.id,
        },
    )
    record(
        world.records,
        world.clinician,
        SCORE,
        client.id,
        {
            "instrument": "gais",
            "answers": {"scale": "five_point", "rating": 2},
            "scored_on": TODAY.isoformat(),
            "session_id": session.id,
        },
    )
    photos.add_photo(
        world.records,
        world.clinician,
        client.id,
        PNG,
        {"view": "front", "taken_on": TODAY.isoformat()},
    )
    course = client_course(world.records, world.reader, client.id)
    assert course.intake is not None and course.intake.id == intake.id
    assert course.plan is not None and isinstance(course.plan.plan, Plan)
    assert [s.id for s in course.sessions_done] == [session.id]
    assert course.next_due is not None and course.next_due.session == schedule[1].session
    assert course.next_due.date == done_on + gap
    assert len(course.upcoming) == len(schedule) - 1
    assert (len(course.scores), len(course.photos), len(course.consents)) == (1, 1, 1)


def test_the_course_reads_amended_records_as_they_now_stand(world: World) -> None:
    client, intake, _plan = planned_course(world)
    amended: Any = amendments.amend_record(
        world.records,
        world.clinician,
        "intake",
        intake.id,
        {"changes": {"answers": {"fitzpatrick": 2, "pregnant": True}}, "reason": "missed"},
    )
    course = client_course(world.records, world.reader, client.id)
    assert course.intake is not None and course.intake.id == amended.id
    assert [f.code for f in course.open_findings] == ["pregnancy"]


def test_alerts_are_the_lines_of_the_notes_marked_alert(world: World) -> None:
    client, _intake, _plan = planned_course(world)
    notes = "Prefers mornings\nALERT: allergic to lidocaine\nalert - faints at needles"
    update_client(world.records, world.clinician, client.id, {"version": 1, "notes": notes})
    course = client_course(world.records, world.reader, client.id)
    assert course.alerts == ["allergic to lidocaine", "faints at needles"]
    assert alerts_in(None) == [] and alerts_in("no alert here") == []


def test_the_course_is_one_transaction_whatever_the_number_of_records(world: World) -> None:
    client, _intake, plan = planned_course(world)
    begun: list[object] = []
    event.listen(world.records.sessions, "after_begin", lambda *args: begun.append(args))
    client_course(world.records, world.reader, client.id)
    for days in (40, 80, 120):
        _session(world, client.id, plan.id, TODAY - dt.timedelta(days=days))
        record(world.records, world.clinician, INTAKE, client.id, {"answers": {"fitzpatrick": 2}})
    begun.clear()
    client_course(world.records, world.reader, client.id)
    assert len(begun) == 1
