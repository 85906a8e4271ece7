"""The ORM's refusals leave the services as their `Conflict`: no caller (API, page, command)
ever sees SQLAlchemy's stale-version error or the append-only guard."""

from __future__ import annotations

import pytest
from tests.world import World, new_client

from microneedling.records.models import Client, Intake
from microneedling.services.clinical_records import record
from microneedling.services.errors import Conflict
from microneedling.services.intakes import INTAKE


def test_saving_a_row_someone_else_changed_meanwhile_is_a_conflict(world: World) -> None:
    client = new_client(world)
    records = world.records
    with pytest.raises(Conflict, match="changed by someone else"), records.transaction() as db:
        mine = db.get_one(Client, client.id)
        mine.notes = "mine"
        with records.transaction() as other:
            other.get_one(Client, client.id).notes = "theirs"
    with records.transaction() as db:
        assert db.get_one(Client, client.id).notes == "theirs"


def test_changing_a_clinical_row_in_place_is_a_conflict_and_changes_nothing(
    world: World,
) -> None:
    client = new_client(world)
    intake = record(
        world.records, world.clinician, INTAKE, client.id, {"answers": {"fitzpatrick": 2}}
    )
    with pytest.raises(Conflict, match="append-only"), world.records.transaction() as db:
        db.delete(db.get_one(Intake, intake.id))
    with world.records.transaction() as db:
        assert db.get(Intake, intake.id) is not None


def test_other_errors_inside_a_transaction_go_on_as_they_are(world: World) -> None:
    with pytest.raises(KeyError), world.records.transaction():
        raise KeyError("a bug stays a bug")
