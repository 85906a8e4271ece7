"""The FHIR import: a new client from a bundle's Patient and Conditions, or nothing at all and
a report naming every place that could not be mapped."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select
from tests.interop.conftest import Installation
from tests.interop_world import World

from microneedling.errors import InputError
from microneedling.interop import codes
from microneedling.interop.fhir_import import load_json, read_bundle
from microneedling.records.models import ClientIdentifier
from microneedling.services.clients import erase_client, get_client, search_clients
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


def test_a_round_trip_keeps_the_patient_and_the_conditions(
    world: World, second_installation: Installation
) -> None:
    """Export here, import into another installation, export there: docs/interop.md lists
    what survives."""
    bundle = export_fhir(world.records, world.clinician, world.client_id)
    there = second_installation
    report = import_fhir(there.records, there.owner, bundle, skip_unmapped=True)
    original = get_client(world.records, world.clinician, world.client_id)
    imported = report.client
    assert not report.merged
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
    (source,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert report.identifiers == [
        f"{source['identifier'][0]['system']}|{source['identifier'][0]['value']}"
    ]
    assert report.skipped == {
        "CarePlan": 1,
        "Consent": 1,
        "Media": 1,
        "Observation": 5,
        "Organization": 1,
        "Practitioner": 1,
        "Procedure": 2,
        "Provenance": 2,
    }
    again = export_fhir(there.records, there.owner, imported.id)
    (patient,) = [
        e["resource"] for e in again["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert {k: patient[k] for k in ("name", "birthDate", "gender", "telecom")} == {
        k: source[k] for k in ("name", "birthDate", "gender", "telecom")
    }
    assert patient["identifier"][0]["system"] != source["identifier"][0]["system"]
    assert patient["identifier"][1:] == source["identifier"], "the source identifier goes on"
    kinds = Counter(e["resource"]["resourceType"] for e in again["entry"])
    assert kinds == {"Organization": 1, "Patient": 1, "Observation": 1}, (
        "the conditions are notes there, not records; the phototype is kept"
    )
    with pytest.raises(InputError, match="already client"):
        import_fhir(there.records, there.owner, bundle, skip_unmapped=True)
    with pytest.raises(InputError, match=f"already client {world.client_id} \\(identifier"):
        import_fhir(world.records, world.owner, again, skip_unmapped=True)


def test_reimporting_a_clinics_own_export_is_refused_unless_merged(world: World) -> None:
    bundle = export_fhir(world.records, world.clinician, world.client_id)
    with pytest.raises(InputError) as raised:
        import_fhir(world.records, world.clinician, bundle, skip_unmapped=True)
    (problem,) = raised.value.problems
    assert problem.field == "Patient"
    assert problem.message.startswith(f"already client {world.client_id} (identifier urn:uuid:")
    assert search_clients(world.records, world.clinician).total == 1
    merged = import_fhir(world.records, world.clinician, bundle, skip_unmapped=True, merge=True)
    assert merged.merged
    assert merged.client.id == world.client_id
    assert merged.identifiers == [], "its own client number is no foreign identifier"
    assert len(merged.conditions) == 3
    twice = import_fhir(world.records, world.clinician, bundle, skip_unmapped=True, merge=True)
    assert twice.conditions == [], "conditions already in the notes are not added again"
    assert search_clients(world.records, world.clinician).total == 1
    notes = get_client(world.records, world.clinician, world.client_id).notes or ""
    assert notes.count("Melasma") == 1


def test_a_foreign_identifier_is_kept_and_finds_the_client_next_time(world: World) -> None:
    bundle = _foreign_bundle(_icd("L63.9"))
    bundle["entry"][0]["resource"]["identifier"] = [
        {"system": "https://other-clinic.example/mrn", "value": "A-77"}
    ]
    first = import_fhir(world.records, world.clinician, bundle)
    assert first.identifiers == ["https://other-clinic.example/mrn|A-77"]
    renamed = copy.deepcopy(bundle)
    renamed["entry"][0]["resource"]["name"] = [{"family": "Okafor-Bello", "given": ["Ngozi"]}]
    with pytest.raises(
        InputError, match=re.escape("identifier https://other-clinic.example/mrn|A-77")
    ):
        import_fhir(world.records, world.clinician, renamed)
    merged = import_fhir(world.records, world.clinician, renamed, merge=True)
    assert merged.client.id == first.client.id
    assert merged.client.family_name == "Okafor", "fields the client has are kept"
    assert search_clients(world.records, world.clinician).total == 2


def test_the_same_name_and_birth_date_is_the_same_client(world: World) -> None:
    bundle = _foreign_bundle()
    patient = bundle["entry"][0]["resource"]
    patient["name"] = [{"family": "HART", "given": ["Amélia"]}]
    patient["birthDate"] = "1994-03-14"
    with pytest.raises(InputError, match=f"already client {world.client_id} \\(same name"):
        import_fhir(world.records, world.clinician, bundle)
    patient["birthDate"] = "1994-03-15"
    assert import_fhir(world.records, world.clinician, bundle).client.id != world.client_id


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


@pytest.mark.parametrize(
    ("codings", "problem"),
    [
        (
            [{"system": codes.INDICATION_SYSTEM, "code": "melasma"}, *_icd("L63.9")["coding"]],
            "codings disagree: melasma has ICD-10-CM L81.1, not L63.9",
        ),
        (
            [
                {"system": codes.INDICATION_SYSTEM, "code": "wrinkles_fine_lines"},
                *_icd("L90.5")["coding"],
            ],
            "codings disagree: wrinkles_fine_lines has no confirmed ICD-10-CM code, not L90.5",
        ),
        (
            [*_icd("L63.9")["coding"], *_icd("L64.9")["coding"]],
            "codings disagree: ICD-10-CM L63.9 and L64.9",
        ),
        (
            [
                {"system": codes.INDICATION_SYSTEM, "code": "melasma"},
                {"system": codes.CONDITION_SYSTEM, "code": "herpes_labialis"},
            ],
            "codings disagree: melasma and herpes_labialis",
        ),
    ],
    ids=["indication-vs-icd", "unconfirmed-icd", "two-icd", "two-project-codes"],
)
def test_it_refuses_a_condition_whose_codings_disagree(
    codings: list[dict[str, str]], problem: str
) -> None:
    assert _problems(_foreign_bundle({"coding": codings})) == [
        f"entry[1].resource(Condition).code: {problem}"
    ]


def test_a_matching_project_and_icd_coding_is_one_condition() -> None:
    coding = [{"system": codes.INDICATION_SYSTEM, "code": "melasma"}, *_icd("L81.1")["coding"]]
    (condition,) = read_bundle(_foreign_bundle({"coding": coding})).conditions
    assert condition.line() == "Melasma (adjunct only) [indication melasma, ICD-10-CM L81.1]"


def _transaction(*requests: tuple[str, dict[str, Any] | None]) -> dict[str, Any]:
    bundle = _foreign_bundle(_icd("L63.9"))
    bundle["type"] = "transaction"
    for entry, (method, _) in zip(bundle["entry"], requests, strict=False):
        entry["request"] = {"method": method, "url": entry["resource"]["resourceType"]}
    for method, resource in requests[len(bundle["entry"]) :]:
        extra: dict[str, Any] = {"request": {"method": method, "url": "Patient/p1"}}
        if resource is not None:
            extra["resource"] = resource
        bundle["entry"].append(extra)
    return bundle


def test_a_transaction_may_only_post_or_put_a_patient_and_conditions() -> None:
    accepted = read_bundle(_transaction(("POST", None), ("PUT", None)))
    assert [c.code for c in accepted.conditions] == ["alopecia_areata"]
    assert _problems(_transaction(("POST", None), ("POST", None), ("DELETE", None))) == [
        "entry[2].request: DELETE of no resource refused: only POST or PUT of a Patient or "
        "Condition"
    ]
    observation = _phototype(PATIENT_URL, 3)["resource"]
    problems = _problems(
        _transaction(("POST", None), ("POST", None), ("POST", observation)), skip_unmapped=True
    )
    assert problems == [
        "entry[2].request: POST of Observation refused: only POST or PUT of a Patient or Condition"
    ]


def test_the_patient_identifiers_need_a_system_and_a_value_that_fit() -> None:
    bundle = _foreign_bundle()
    bundle["entry"][0]["resource"]["identifier"] = [
        {"value": "A-77"},
        {"system": "https://other-clinic.example/mrn", "value": "7" * 201},
    ]
    assert _problems(bundle) == [
        "entry[0].resource(Patient).identifier[0]: needs a system and a value",
        "entry[0].resource(Patient).identifier[1]: at most 500 characters of system and 200 "
        "of value can be kept",
    ]


def test_json_with_a_byte_order_mark_is_read() -> None:
    raw = b"\xef\xbb\xbf" + json.dumps(_foreign_bundle()).encode()
    assert read_bundle(load_json(raw)).client["family_name"] == "Okafor"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "bundle: nested deeper than 64 levels"),
        (b'{"a":' * 100 + b"1" + b"}" * 100, "bundle: nested deeper than 64 levels"),
        (b"\xff\xfe{}", "bundle: not UTF-8 text (byte 0)"),
        (b'{"resourceType": ', "bundle: not valid JSON (line 1, column 18: Expecting value)"),
    ],
    ids=["deep-arrays", "deep-objects", "not-utf8", "truncated"],
)
def test_unreadable_json_is_one_problem_line(raw: bytes, problem: str) -> None:
    with pytest.raises(InputError) as raised:
        load_json(raw)
    assert [str(p) for p in raised.value.problems] == [problem]


@pytest.mark.parametrize(
    "bundle",
    [
        [],
        {"resourceType": "Bundle"},
        {"resourceType": "Bundle", "type": "collection", "entry": "x"},
        {"resourceType": "Bundle", "type": "collection", "entry": [1, {"resource": "x"}]},
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {}}]},
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": {"resourceType": "Nope"}}],
        },
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"request": {"method": "DELETE"}}],
        },
    ],
    ids=[
        "list",
        "no-type",
        "entry-text",
        "entry-number",
        "no-resource-type",
        "unknown-type",
        "delete",
    ],
)
def test_malformed_bundles_are_refused_with_problem_lines(bundle: object) -> None:
    problems = _problems(bundle)
    assert problems
    assert all("\n" not in problem for problem in problems)


def test_erasing_a_client_forgets_the_identifiers_kept_for_it(world: World) -> None:
    bundle = _foreign_bundle()
    bundle["entry"][0]["resource"]["identifier"] = [
        {"system": "https://other-clinic.example/mrn", "value": "A-77"}
    ]
    first = import_fhir(world.records, world.clinician, bundle)
    erase_client(world.records, world.owner, first.client.id)
    with world.records.transaction() as db:
        assert db.scalars(select(ClientIdentifier)).all() == []
    again = import_fhir(world.records, world.clinician, bundle)
    assert not again.merged
    assert again.client.id != first.client.id
