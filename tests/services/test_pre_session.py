"""The pre-session questions: a change since the last visit holds the session until a new
intake is recorded; no change, or no answers, leave it as before."""

from __future__ import annotations

from typing import Any

import pytest
from tests.world import TODAY, World, planned_course

from microneedling.errors import InputError
from microneedling.services.clinical_records import record
from microneedling.services.intakes import INTAKE
from microneedling.services.pre_session import QUESTIONS, IntakeNeeded
from microneedling.services.treatment_sessions import SESSION


def _session(world: World, client_id: int, plan: Any, changes: list[str] | None) -> Any:
    data = {
        "plan_id": plan.id,
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": True,
        "zones": [{"zone": "cheeks", "needle_mm": 1.0, "passes": 3}],
        "pre_session_changes": changes,
        "confirm_departures": True,
        "departure_reason": "second session on the same day for the test",
    }
    return record(world.records, world.clinician, SESSION, client_id, data)


def _intake(world: World, client_id: int) -> None:
    record(world.records, world.clinician, INTAKE, client_id, {"answers": {"fitzpatrick": 2}})


@pytest.mark.parametrize("change", sorted(QUESTIONS))
def test_any_change_since_the_plan_needs_a_new_intake_first(world: World, change: str) -> None:
    client, _intake_row, plan = planned_course(world)
    with pytest.raises(IntakeNeeded) as needed:
        _session(world, client.id, plan, [change])
    assert needed.value.code == "intake_needed" and needed.value.changes == [change]
    assert needed.value.extra()["intake_form"] == f"/clients/{client.id}/intake"
    _intake(world, client.id)
    saved = _session(world, client.id, plan, [change])
    assert saved.pre_session_changes == [change]


def test_no_change_or_no_answers_save_as_before(world: World) -> None:
    client, _intake_row, plan = planned_course(world)
    assert _session(world, client.id, plan, []).pre_session_changes == []
    assert _session(world, client.id, plan, None).pre_session_changes is None


def test_an_intake_before_the_last_session_does_not_cover_a_later_change(world: World) -> None:
    client, _intake_row, plan = planned_course(world)
    _intake(world, client.id)
    _session(world, client.id, plan, ["cold_sores"])
    with pytest.raises(IntakeNeeded):
        _session(world, client.id, plan, ["pregnancy"])


def test_an_unknown_change_is_refused_naming_the_allowed(world: World) -> None:
    client, _intake_row, plan = planned_course(world)
    with pytest.raises(InputError) as error:
        _session(world, client.id, plan, ["tattoo"])
    assert error.value.problems[0].field.startswith("pre_session_changes")
