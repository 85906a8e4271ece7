"""A small named world for records tests: two clinics, a user per role in the first, an owner in
the second, and helpers that walk a client through a course via the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from microneedling.services.access import Actor
from microneedling.services.clients import ClientOut, register_client
from microneedling.services.clinical_records import record
from microneedling.services.clock import Clock
from microneedling.services.common import Records
from microneedling.services.intakes import INTAKE
from microneedling.services.plans import PLAN
from microneedling.services.users import create_user

PASSWORD = "correct horse battery"
# A fixed instant late in a UTC day: west of UTC it is still the afternoon, east of it already
# tomorrow, so a "today" taken from the machine's zone instead of the clock's shows up. The
# suite's real clock is set to it too (tests/conftest.py), for what reads the time itself
# (token expiry in the JWT library).
NOW = dt.datetime(2026, 11, 22, 23, 20, tzinfo=dt.UTC)
TODAY = NOW.date()
CLOCK = Clock(fixed=NOW)  # the services' clock in these tests: TODAY never drifts from it


@dataclass(frozen=True)
class World:
    records: Records
    owner: Actor
    clinician: Actor
    assistant: Actor
    reader: Actor
    outsider: Actor

    def email(self, actor: Actor) -> str:
        return EMAILS[(actor.clinic_id == self.outsider.clinic_id, actor.role)]


EMAILS = {
    (False, "owner"): "owner@a.example",
    (False, "clinician"): "clinician@a.example",
    (False, "assistant"): "assistant@a.example",
    (False, "read_only"): "reader@a.example",
    (True, "owner"): "owner@b.example",
}


def build_world(records: Records) -> World:
    actors: dict[tuple[bool, str], Actor] = {}
    for (other, role), email in EMAILS.items():
        user = create_user(
            records,
            None,
            {"email": email, "full_name": email, "role": role, "password": PASSWORD},
            clinic_name="Clinic B" if other else "Clinic A",
        )
        actors[(other, role)] = Actor(clinic_id=user.clinic_id, role=role, user_id=user.id)
    return World(
        records,
        owner=actors[(False, "owner")],
        clinician=actors[(False, "clinician")],
        assistant=actors[(False, "assistant")],
        reader=actors[(False, "read_only")],
        outsider=actors[(True, "owner")],
    )


def new_client(world: World, given: str = "Ann", family: str = "Lee", **extra: Any) -> ClientOut:
    data = {"given_name": given, "family_name": family, "birth_date": "1990-04-02", **extra}
    return register_client(world.records, world.clinician, data)


def planned_course(
    world: World, answers: dict[str, Any] | None = None, zones: tuple[str, ...] = ("cheeks",)
) -> tuple[ClientOut, Any, Any]:
    """A client with an intake and a plan for atrophic acne scars in the given zones."""
    client = new_client(world)
    intake: Any = record(
        world.records,
        world.clinician,
        INTAKE,
        client.id,
        {"answers": answers or {"fitzpatrick": 2}},
    )
    plan: Any = record(
        world.records,
        world.clinician,
        PLAN,
        client.id,
        {
            "intake_id": intake.id,
            "device": {"type": "pen"},
            "concerns": [{"indication": "acne_scars_atrophic", "zones": list(zones)}],
            "start_date": TODAY.isoformat(),
        },
    )
    return client, intake, plan
