"""The FHIR import: a new client from a bundle's Patient and Conditions, or nothing at all and
a report naming every place that could not be mapped."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from tests.interop_world import World

from microneedling.errors import InputError
from microneedling.interop import codes
from microneedling.interop.fhir_import import read_bundle
from microneedling.services.clients import get_client, search_clients
from microneedling.services.interop import export_fhir, import_fhir

PATIENT_URL = "urn:uuid:6f0a1f2e-0000-4000-8000-000000000001"


def _foreign_bundle(*conditions: dict[str, Any]) -> dict[str, Any]:
    """A bundle as another system might send it: ICD-10-CM codes and a patient."""
    entries = [
        {
            "fullUrl": PATIENT_URL,
            "resource": {
                "resourceType": "Patient",
                "id": "p1",
                "name": [{"family": "Okafor", "given": ["Ngozi", "Ada"]}],
                "gender": "female",
                "birthDate": "1990-05-01",
            },
        }
    ]
    for i, code in enumerate(conditions):
        entries.append(
            {
                "fullUrl": f"urn:uuid:6f0a1f2e-0000-4000-8000-00000000010{i}",
                "resource": {
                    "resourceType": "Condition",
                    "code": code,
                    "subject": {"reference": PATIENT_URL},
                },
            }
        )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _icd(code: str) -> dict[str, Any]:
    return {"coding": [{"system": codes.ICD_10_CM, "code": code}]}


def _phototype(subject: str, value: int) -> dict[str, Any]:
    coding = {"system": codes.OBSERVATION_SYSTEM, "code": "fitzpatrick-phototype"}
    return {
        "resource": {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [coding]},
            "subject": {"reference": subject},
            "valueInteger": value,
        }
    }


def _problems(bundle: object, **options: bool) -> list[str]:
    with pytest.raises(InputError) as raised:
        read_bundle(bundle, **options)
    return [str(problem) for problem in raised.value.problems]


def test_a_round_trip_keeps_the_patient_and_the_conditions(world: World) -> None:
    bundle = export_fhir(world.records, world.clinician, world.client_id)
    report = import_fhir(world.records, world.clinician, bundle, skip_unmapped=True)
    original = get_client(world.records, world.clinician, world.client_id)
    imported = report.client
    assert imported.id != original.id
    fields = ("given_name", "family_name", "birth_date", "sex", "email", "phone", "phototype")
    assert {f: getattr(imported, f) for f in fields} == {f: getattr(original, f) for f in fields}
    assert report.conditions == [
        "Atrophic acne scars [indication acne_scars_atrophic, ICD-10-CM L90.5], active, "
        "zones: cheeks, forehead",
        "Melasma (adjunct only) [indication melasma, ICD-10-CM L81.1], active, zones: cheeks",
        "Herpes labialis (cold sores) [condition herpes_labialis], inactive",
    ]
    assert imported.notes is not None
    assert all(line in imported.notes for line in report.conditions)
    assert report.skipped == {
        "CarePlan": 1,
        "Consent": 1,
        "Media": 1,
        "Observation": 2,
        "Organization": 1,
        "Practitioner": 1,
        "Procedure": 2,
        "Provenance": 2,
    }


def test_it_refuses_our_own_full_bundle_without_skip_unmapped_and_imports_nothing(
    world: World,
) -> None:
    bundle = export_fhir(world.records, world.clinician, world.client_id)
    with pytest.raises(InputError) as raised:
        import_fhir(world.records, world.clinician, bundle)
    kinds = {re.sub(r".*\((\w+)\)$", r"\1", p.field) for p in raised.value.problems}
    assert kinds == {"CarePlan", "Procedure", "Observation", "Consent", "Media", "Provenance"}
    assert search_clients(world.records, world.clinician).total == 1


def test_icd_10_cm_codes_map_to_indications_or_are_kept_with_their_title() -> None:
    imported = read_bundle(_foreign_bundle(_icd("L63.9"), _icd("L70.0")))
    assert imported.client["given_name"] == "Ngozi Ada"
    assert [c.line() for c in imported.conditions] == [
        "Alopecia areata [indication alopecia_areata, ICD-10-CM L63.9]",
        "Acne vulgaris [ICD-10-CM L70.0]",
    ]


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        (_icd("L99.99"), "'L99.99' is not an ICD-10-CM code"),
        (_icd("L60-L75"), "'L60-L75' is not an ICD-10-CM code"),
        (
            {"coding": [{"system": codes.INDICATION_SYSTEM, "code": "freckles"}]},
            "coding[0]: unknown code",
        ),
        (
            {"coding": [{"system": "http://snomed.info/sct", "code": "1234"}]},
            "no coding in a code system this import reads",
        ),
    ],
    ids=["unknown-icd", "icd-block", "unknown-indication", "unread-system"],
)
def test_it_refuses_conditions_it_cannot_map(code: dict[str, Any], problem: str) -> None:
    (found,) = _problems(_foreign_bundle(code))
    assert found.startswith("entry[1].resource(Condition).code")
    assert problem in found


def test_it_refuses_two_patients_and_invalid_fhir() -> None:
    bundle = _foreign_bundle()
    bundle["entry"].append(copy.deepcopy(bundle["entry"][0]))
    assert _problems(bundle) == ["entry: needs exactly one Patient, found 2"]
    invalid = _foreign_bundle()
    invalid["entry"][0]["resource"]["birthDate"] = "first of May"
    (problem,) = _problems(invalid)
    assert problem.startswith("entry.0.resource.birthDate: not valid FHIR R4")
    assert _problems({"resourceType": "Patient"}) == [
        "resourceType: not a FHIR Bundle (allowed: Bundle)"
    ]


def test_it_refuses_patient_elements_it_has_no_place_for_unless_skipped() -> None:
    bundle = _foreign_bundle()
    bundle["entry"][0]["resource"]["address"] = [{"city": "Lagos"}]
    assert _problems(bundle) == [
        "entry[0].resource(Patient).address: the client record has no place for it"
    ]
    assert read_bundle(bundle, skip_unmapped=True).client["family_name"] == "Okafor"


def test_a_condition_or_phototype_about_someone_else_is_refused() -> None:
    bundle = _foreign_bundle(_icd("L81.1"))
    bundle["entry"][1]["resource"]["subject"] = {"reference": "Patient/other"}
    bundle["entry"].append(_phototype("Patient/other", 3))
    assert _problems(bundle) == [
        "entry[1].resource(Condition).subject: must refer to the bundle's Patient",
        "entry[2].resource(Observation).subject: must refer to the bundle's Patient",
    ]


def test_the_phototype_observation_sets_the_clients_phototype() -> None:
    bundle = _foreign_bundle()
    bundle["entry"].append(_phototype(PATIENT_URL, 5))
    assert read_bundle(bundle).client["phototype"] == 5


def test_a_client_the_records_refuse_is_reported_under_patient(world: World) -> None:
    bundle = _foreign_bundle()
    bundle["entry"][0]["resource"]["telecom"] = [{"system": "email", "value": "not-an-address"}]
    with pytest.raises(InputError) as raised:
        import_fhir(world.records, world.clinician, bundle)
    assert raised.value.problems[0].field == "Patient.email"
    assert search_clients(world.records, world.clinician).total == 1
