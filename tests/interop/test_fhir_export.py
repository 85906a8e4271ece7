"""The FHIR export: a collection bundle whose every resource validates with the R4B models of
`fhir.resources`, whose references all resolve inside it, and which carries the current
version of each record."""

from __future__ import annotations

import base64
from collections import Counter
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from tests.interop_world import PNG, World

from microneedling.interop import codes
from microneedling.interop.fhir_export import full_url
from microneedling.services.access import Actor
from microneedling.services.errors import Forbidden, NotFound
from microneedling.services.interop import export_fhir


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [ref for item in value.values() for ref in _references(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _references(item)]
    return []


@pytest.fixture
def bundle(world: World) -> dict[str, Any]:
    return export_fhir(world.records, world.clinician, world.client_id)


def test_it_exports_a_collection_bundle_of_the_expected_resources(bundle: dict[str, Any]) -> None:
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    kinds = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    assert kinds == {
        "Organization": 1,
        "Patient": 1,
        "Condition": 3,
        "CarePlan": 1,
        "Procedure": 2,
        "Observation": 3,
        "Consent": 1,
        "Media": 1,
        "Practitioner": 1,
    }


def test_every_resource_validates_with_the_fhir_models(bundle: dict[str, Any]) -> None:
    get_fhir_model_class("Bundle").model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"


def test_every_reference_resolves_inside_the_bundle(bundle: dict[str, Any]) -> None:
    urls = {entry["fullUrl"] for entry in bundle["entry"]}
    references = _references(bundle["entry"])
    assert references
    assert set(references) <= urls


def test_the_patient_carries_the_client(bundle: dict[str, Any], world: World) -> None:
    (patient,) = _resources(bundle, "Patient")
    assert patient["name"] == [{"use": "official", "family": "Hart", "given": ["Amelia"]}]
    assert patient["birthDate"] == "1994-03-14"
    assert patient["gender"] == "female"
    assert {t["system"] for t in patient["telecom"]} == {"email", "phone"}
    assert patient["identifier"][0]["value"] == str(world.client_id)


def test_indications_carry_confirmed_icd_10_cm_codes(bundle: dict[str, Any]) -> None:
    by_code = {
        c["code"]["coding"][0]["code"]: c["code"]["coding"] for c in _resources(bundle, "Condition")
    }
    assert by_code["acne_scars_atrophic"][1] == {
        "system": codes.ICD_10_CM,
        "code": "L90.5",
        "display": "Scar conditions and fibrosis of skin",
    }
    assert by_code["melasma"][1]["code"] == "L81.1"
    assert [c["system"] for c in by_code["herpes_labialis"]] == [codes.CONDITION_SYSTEM]


def test_the_care_plan_has_an_activity_per_zone_with_scheduled_dates(
    bundle: dict[str, Any],
) -> None:
    (care_plan,) = _resources(bundle, "CarePlan")
    activities = [a["detail"] for a in care_plan["activity"]]
    assert len(activities) == 3  # acne scars on cheeks and forehead, melasma on cheeks
    assert all(a["scheduledTiming"]["event"][0] == "2026-01-05" for a in activities)
    assert care_plan["period"] == {"start": "2026-01-05"}


def test_a_procedure_names_body_site_device_and_performer(
    bundle: dict[str, Any], world: World
) -> None:
    (procedure,) = [
        p for p in _resources(bundle, "Procedure") if p["performedDateTime"] == "2026-01-05"
    ]
    assert procedure["bodySite"][0]["coding"][0]["code"] == "cheeks"
    assert procedure["usedCode"][0]["coding"][0]["code"] == "pen"
    notes = [note["text"] for note in procedure["note"]]
    assert "lot: LOT-4412" in notes, "the amended session, as it now stands"
    assert "cheeks: 0.5 mm, 3 passes" in notes
    assert procedure["performer"][0]["actor"]["reference"] == full_url(
        world.owner.clinic_id, "practitioner", world.ids["clinician"]
    )


def test_only_the_current_version_of_an_amended_score_is_exported(
    bundle: dict[str, Any], world: World
) -> None:
    ids = {e["resource"]["id"] for e in bundle["entry"]}
    clinic = world.owner.clinic_id
    assert full_url(clinic, "score", world.ids["score_amended"])[9:] in ids
    assert full_url(clinic, "score", world.ids["score_original"])[9:] not in ids


def test_a_score_and_a_photo_of_an_amended_session_point_at_its_current_version(
    bundle: dict[str, Any], world: World
) -> None:
    current = full_url(world.owner.clinic_id, "procedure", world.ids["sessions"][0])
    original = full_url(world.owner.clinic_id, "procedure", world.ids["session_original"])
    parts = [r["partOf"][0]["reference"] for r in bundle_resources(bundle) if "partOf" in r]
    assert parts == [current, current]
    assert original not in {e["fullUrl"] for e in bundle["entry"]}


def bundle_resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle["entry"]]


def test_scores_have_ucum_units(bundle: dict[str, Any]) -> None:
    quantities = {
        o["code"]["coding"][0]["code"]: o["valueQuantity"]
        for o in _resources(bundle, "Observation")
        if "valueQuantity" in o
    }
    assert quantities["ita"]["code"] == "deg"
    assert quantities["ecca"]["code"] == "{score}"
    assert {q["system"] for q in quantities.values()} == {codes.UCUM}


def test_photos_are_sent_by_reference_unless_asked_inline(
    bundle: dict[str, Any], world: World
) -> None:
    (media,) = _resources(bundle, "Media")
    assert media["content"]["url"] == f"/api/v1/photos/{world.ids['photo']}/file"
    assert "data" not in media["content"]
    inline = export_fhir(world.records, world.clinician, world.client_id, inline_photos=True)
    (media,) = _resources(inline, "Media")
    assert base64.b64decode(media["content"]["data"]) == PNG


def test_it_refuses_a_role_without_export_and_another_clinics_client(world: World) -> None:
    with pytest.raises(Forbidden):
        export_fhir(world.records, Actor(world.owner.clinic_id, "assistant"), world.client_id)
    with pytest.raises(NotFound):
        export_fhir(world.records, Actor(world.owner.clinic_id + 1, "owner"), world.client_id)
