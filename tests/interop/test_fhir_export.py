"""The FHIR export: a collection bundle whose every resource validates with the R4B models of
`fhir.resources`, whose references all resolve inside it, and which carries the current
version of each record."""

from __future__ import annotations

import base64
import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from tests.interop_world import MEASURED, PNG, World, build_world

from microneedling.config import Settings
from microneedling.interop import codes
from microneedling.interop.fhir_export import full_url
from microneedling.records.models import ScoreRecord
from microneedling.services.access import Actor
from microneedling.services.clients import register_client
from microneedling.services.clinical_records import record
from microneedling.services.common import Records
from microneedling.services.errors import Forbidden, NotFound
from microneedling.services.interop import export_fhir, installation
from microneedling.services.treatment_sessions import SESSION


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
        "Observation": 6,  # phototype, 2 scores, 3 photo measures
        "Consent": 1,
        "Media": 1,
        "Practitioner": 1,
        "Provenance": 2,
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
    assert patient["identifier"] == [
        {
            "system": f"urn:uuid:{installation(world.records).id}",
            "value": str(world.client_id),
        }
    ]


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
    assert procedure["performer"][0]["actor"]["reference"] == _url(
        world, "practitioner", world.ids["clinician"]
    )


def _url(world: World, kind: str, record_id: int) -> str:
    return full_url(installation(world.records).id, world.owner.clinic_id, kind, record_id)


def test_an_amended_score_keeps_its_resource_id_and_carries_its_version(
    bundle: dict[str, Any], world: World
) -> None:
    (ecca,) = [
        o for o in _resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "ecca"
    ]
    assert ecca["id"] == _url(world, "score", world.ids["score_original"])[9:]
    assert ecca["meta"] == {"versionId": "2"}
    with world.records.transaction() as db:
        amended = db.get_one(ScoreRecord, world.ids["score_amended"])
        original = db.get_one(ScoreRecord, world.ids["score_original"])
    assert ecca["valueQuantity"]["value"] == amended.value != original.value
    (ita,) = [
        o for o in _resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "ita"
    ]
    assert ita["meta"] == {"versionId": "1"}


def test_a_score_and_a_photo_of_an_amended_session_point_at_the_sessions_resource(
    bundle: dict[str, Any], world: World
) -> None:
    session = _url(world, "procedure", world.ids["session_original"])
    parts = [r["partOf"][0]["reference"] for r in bundle_resources(bundle) if "partOf" in r]
    assert parts == [session, session]
    (procedure,) = [e["resource"] for e in bundle["entry"] if e["fullUrl"] == session]
    assert procedure["meta"] == {"versionId": "2"}
    assert "lot: LOT-4412" in [note["text"] for note in procedure["note"]]


def test_a_provenance_names_what_each_amendment_replaced_and_why(
    bundle: dict[str, Any], world: World
) -> None:
    by_target = {p["target"][0]["reference"]: p for p in _resources(bundle, "Provenance")}
    session = by_target[_url(world, "procedure", world.ids["session_original"])]
    assert session["reason"] == [{"text": "lot number misread from the pouch"}]
    assert session["entity"] == [
        {"role": "revision", "what": {"display": "Procedure version 1, now replaced"}}
    ]
    assert session["agent"][0]["who"]["reference"] == _url(
        world, "practitioner", world.ids["clinician"]
    )
    score = by_target[_url(world, "score", world.ids["score_original"])]
    assert score["reason"] == [{"text": "miscounted boxcar scars"}]


def test_exports_of_one_installation_repeat_the_same_ids(
    bundle: dict[str, Any], world: World
) -> None:
    again = export_fhir(world.records, world.owner, world.client_id)
    assert again["id"] == bundle["id"]
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in bundle["entry"]]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_two_installations_never_give_two_people_the_same_identity(
    world: World, settings: Settings, tmp_path: Path
) -> None:
    """Two fresh installations hold the same clinic and client numbers for different people."""
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    other_settings = settings.model_copy(
        update={"database_url": other_url, "data_dir": tmp_path / "other"}
    )
    from microneedling.records.database import engine_for, upgrade

    upgrade(engine_for(other_settings))
    other = build_world(Records.open(other_settings))
    assert (other.owner.clinic_id, other.client_id) == (world.owner.clinic_id, world.client_id)
    first = export_fhir(world.records, world.owner, world.client_id)
    second = export_fhir(other.records, other.owner, other.client_id)
    assert first["id"] != second["id"]
    assert not {e["fullUrl"] for e in first["entry"]} & {e["fullUrl"] for e in second["entry"]}
    (one,), (two,) = _resources(first, "Patient"), _resources(second, "Patient")
    assert one["identifier"] != two["identifier"]


def test_the_identifier_system_is_the_clinics_own_when_configured(world: World) -> None:
    system = "https://harbour-skin.example/fhir/client-number"
    settings = world.records.settings.model_copy(update={"fhir_identifier_system": system})
    records = dataclasses.replace(world.records, settings=settings)
    (patient,) = _resources(export_fhir(records, world.owner, world.client_id), "Patient")
    assert patient["identifier"] == [{"system": system, "value": str(world.client_id)}]


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


def test_photos_are_sent_by_absolute_url_from_the_public_url_unless_asked_inline(
    bundle: dict[str, Any], world: World
) -> None:
    (media,) = _resources(bundle, "Media")
    assert "url" not in media["content"], "no public URL is configured"
    settings = world.records.settings.model_copy(
        update={"public_url": "https://clinic.example/app"}
    )
    records = dataclasses.replace(world.records, settings=settings)
    (media,) = _resources(export_fhir(records, world.owner, world.client_id), "Media")
    url = f"https://clinic.example/app/api/v1/photos/{world.ids['photo']}/file"
    assert media["content"]["url"] == url
    assert "data" not in media["content"]
    inline = export_fhir(world.records, world.clinician, world.client_id, inline_photos=True)
    (media,) = _resources(inline, "Media")
    assert base64.b64decode(media["content"]["data"]) == PNG


def test_it_refuses_a_role_without_export_and_another_clinics_client(world: World) -> None:
    with pytest.raises(Forbidden):
        export_fhir(world.records, Actor(world.owner.clinic_id, "assistant"), world.client_id)
    with pytest.raises(NotFound):
        export_fhir(world.records, Actor(world.owner.clinic_id + 1, "owner"), world.client_id)


def test_the_patient_meets_us_core_5_and_says_unknown_when_sex_is_not_recorded(
    world: World,
) -> None:
    client = register_client(
        world.records, world.clinician, {"given_name": "Sam", "family_name": "Quinn"}
    )
    (patient,) = _resources(export_fhir(world.records, world.owner, client.id), "Patient")
    assert patient["gender"] == "unknown"
    assert patient["meta"]["profile"] == [
        "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient|5.0.1"
    ]
    # US Core 5 Patient: identifier (system and value), name with a family or given part, gender
    assert all(i["system"] and i["value"] for i in patient["identifier"])
    assert all(n.get("family") or n.get("given") for n in patient["name"])


def test_every_consent_has_the_loinc_patient_consent_category(bundle: dict[str, Any]) -> None:
    (consent,) = _resources(bundle, "Consent")
    codings = [c for category in consent["category"] for c in category["coding"]]
    assert {"system": "http://loinc.org", "code": "59284-0"} in codings


def test_the_care_plan_follows_the_course_and_links_the_procedures(
    bundle: dict[str, Any], world: World
) -> None:
    (care_plan,) = _resources(bundle, "CarePlan")
    assert care_plan["status"] == "active"
    procedures = {_url(world, "procedure", world.ids["session_original"])} | {
        _url(world, "procedure", world.ids["sessions"][1])
    }
    for activity in care_plan["activity"]:
        linked = {ref["reference"] for ref in activity.get("outcomeReference", [])}
        if activity["detail"]["description"].startswith("Forehead"):
            assert activity["detail"]["status"] == "scheduled"
            assert linked == set()
        else:
            scheduled = len(activity["detail"]["scheduledTiming"]["event"])
            expected = "completed" if scheduled <= 2 else "in-progress"
            assert activity["detail"]["status"] == expected, "two cheek sessions done"
            assert linked == procedures


def test_a_finished_course_completes_its_care_plan(bundle: dict[str, Any], world: World) -> None:
    (care_plan,) = _resources(bundle, "CarePlan")
    schedule: dict[str, set[str]] = {}
    for activity in care_plan["activity"]:
        zone = activity["detail"]["description"].split(" for ")[0]
        for day in activity["detail"]["scheduledTiming"]["event"]:
            schedule.setdefault(day, set()).add(zone)
    zone_codes = {"Cheeks": "cheeks", "Forehead": "forehead"}
    for day, zones in sorted(schedule.items()):
        record(
            world.records,
            world.clinician,
            SESSION,
            world.client_id,
            {
                "plan_id": world.ids["plan"],
                "performed_on": day,
                "device": "pen",
                "single_use": True,
                "zones": [{"zone": zone_codes[z], "needle_mm": 0.5} for z in sorted(zones)],
                # the world's own session already sits in this course
                "confirm_departures": True,
                "departure_reason": "the course is logged as planned, beside an earlier session",
            },
        )
    finished = export_fhir(world.records, world.owner, world.client_id)
    (care_plan,) = _resources(finished, "CarePlan")
    assert care_plan["status"] == "completed"
    assert {a["detail"]["status"] for a in care_plan["activity"]} == {"completed"}
    procedures = {
        e["fullUrl"] for e in finished["entry"] if e["resource"]["resourceType"] == "Procedure"
    }
    for activity in care_plan["activity"]:
        assert {ref["reference"] for ref in activity["outcomeReference"]} <= procedures


def test_a_photos_measurements_are_observations_derived_from_its_media(
    bundle: dict[str, Any], world: World
) -> None:
    (media,) = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Media"]
    imaging = [
        o
        for o in _resources(bundle, "Observation")
        if o["category"][0]["coding"][0]["code"] == "imaging"
    ]
    measured = [m for m in MEASURED if m[2] is not None]
    assert len(imaging) == len(measured)
    for observation in imaging:
        assert observation["derivedFrom"] == [{"reference": media["fullUrl"]}]
        assert observation["effectiveDateTime"] == "2026-01-05"
    by_code = {
        (o["bodySite"]["coding"][0]["code"], o["code"]["coding"][0]["code"]): o for o in imaging
    }
    ita = by_code[("cheek_left", "ita_deg")]
    assert ita["valueQuantity"] == {
        "value": 38.5,
        "unit": "deg",
        "system": "http://unitsofmeasure.org",
        "code": "deg",
    }
    assert "MDC95) 1.0" in ita["note"][0]["text"]
    assert by_code[("forehead", "spots")]["valueQuantity"]["code"] == "{count}"
