"""One registry of clinical record kinds: it covers every clinical table, and the exports, the
timeline, the FHIR record, amendments and the API all list the same kinds from it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from tests.images import image
from tests.services.test_course import _session
from tests.world import TODAY, World, planned_course

from microneedling.errors import InputError
from microneedling.records.models import Base, Clinical
from microneedling.services import photos
from microneedling.services.amendments import amend_record
from microneedling.services.clinical_records import record
from microneedling.services.consents import CONSENT
from microneedling.services.errors import Conflict, NotFound
from microneedling.services.exports import export_json
from microneedling.services.interop import read_client_record
from microneedling.services.record_kinds import (
    AMENDABLE,
    BY_ENTITY,
    KINDS,
    AnyKind,
    kind_named,
)
from microneedling.services.scores import SCORE
from microneedling.services.timeline import timeline


def test_the_registry_holds_every_clinical_table_once() -> None:
    tables = {mapper.class_ for mapper in Base.registry.mappers}
    clinical = {table for table in tables if issubclass(table, Clinical)}
    assert sorted(kind.model.__name__ for kind in KINDS) == sorted(t.__name__ for t in clinical)
    for names in ([k.entity for k in KINDS], [k.plural for k in KINDS], [k.title for k in KINDS]):
        assert len(set(names)) == len(KINDS), names


def test_plans_and_consents_are_the_kinds_that_cannot_be_amended() -> None:
    assert {kind.entity for kind in KINDS} - {kind.entity for kind in AMENDABLE} == {
        "plan",
        "consent",
    }


def test_a_kind_the_path_does_not_name_is_a_record_not_found() -> None:
    assert kind_named("session", 1) is BY_ENTITY["session"]
    with pytest.raises(NotFound):
        kind_named("appointment", 1)


def _one_of_each(world: World) -> int:
    client, _intake, plan = planned_course(world)
    session = _session(world, client.id, plan.id, TODAY)
    consent = {"scope": "treatment", "signer_name": "Ann Lee", "method": "written_signature"}
    record(world.records, world.clinician, CONSENT, client.id, {**consent, "plan_id": plan.id})
    score = {
        "instrument": "gais",
        "answers": {"scale": "five_point", "rating": 2},
        "scored_on": TODAY.isoformat(),
    }
    record(world.records, world.clinician, SCORE, client.id, {**score, "session_id": session.id})
    meta = {"view": "front", "taken_on": TODAY.isoformat(), "zone": "cheeks"}
    photos.add_photo(world.records, world.clinician, client.id, image("PNG"), meta)
    return client.id


def test_exports_the_timeline_and_the_fhir_record_list_every_kind(world: World) -> None:
    client_id = _one_of_each(world)
    exported = export_json(world.records, world.owner)["clients"][0]
    assert all(exported[kind.plural] for kind in KINDS), exported.keys()
    entries = timeline(world.records, world.clinician, client_id)
    assert {entry.kind for entry in entries} - {"message"} == set(BY_ENTITY)
    fhir_record = read_client_record(world.records, world.owner, client_id)
    assert all(getattr(fhir_record, kind.plural) for kind in KINDS)


@pytest.mark.parametrize("kind", KINDS, ids=[kind.entity for kind in KINDS])
def test_amendments_take_exactly_the_amendable_kinds(world: World, kind: AnyKind) -> None:
    entity = kind.entity
    client_id = _one_of_each(world)
    entries = timeline(world.records, world.clinician, client_id)
    row_id = next(entry.id for entry in entries if entry.kind == entity)
    amendment = {"changes": {"no_such_field": 1}, "reason": "a typing slip"}
    with pytest.raises((InputError, Conflict)) as refused:
        amend_record(world.records, world.clinician, entity, row_id, amendment)
    problems = refused.value.problems if isinstance(refused.value, InputError) else []
    refused_kind = any(problem.field == "entity" for problem in problems)
    assert refused_kind is (kind not in AMENDABLE), problems


def test_typed_outputs_read_out_exactly_the_json_stored(world: World) -> None:
    """A plan or findings typed on the way out keep the JSON stored as it is."""
    _one_of_each(world)
    checked = set()
    with world.records.transaction() as db:
        for kind in KINDS:
            table: Any = kind.model
            for row in db.scalars(select(table)):
                shown = kind.output(row).model_dump(mode="json")
                for name in shown:
                    stored = getattr(row, name, None)
                    if isinstance(stored, dict | list):
                        assert shown[name] == stored, (kind.entity, name)
                        checked.add((kind.entity, name))
    assert {("plan", "plan"), ("intake", "findings"), ("session", "zones")} <= checked
