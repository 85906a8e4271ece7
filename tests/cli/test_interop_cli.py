"""`microneedling import --fhir`, `research-export` and the FHIR export function, in process."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from tests.interop_world import World, build_world
from typer.testing import CliRunner

from microneedling.cli import app
from microneedling.config import Settings
from microneedling.services.clients import search_clients
from microneedling.services.common import Records

runner = CliRunner()


@pytest.fixture
def world(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("MICRONEEDLING_ENVIRONMENT", "test")
    monkeypatch.setenv("MICRONEEDLING_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MICRONEEDLING_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MICRONEEDLING_SECRET_KEY", settings.secret_key.get_secret_value())
    return build_world(Records.open(settings))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_reimporting_an_export_is_refused_unless_merged(world: World, tmp_path: Path) -> None:
    exported = runner.invoke(app, ["export", "--fhir", str(world.client_id)])
    assert exported.exit_code == 0, exported.output
    bundle = tmp_path / "bundle.json"
    bundle.write_text(exported.output, encoding="utf-8")
    assert json.loads(bundle.read_text())["resourceType"] == "Bundle"

    refused = runner.invoke(app, ["import", "--fhir", str(bundle)])
    assert refused.exit_code == 2
    assert "resource(CarePlan): this import reads only Patient and Condition" in refused.output

    duplicate = runner.invoke(app, ["import", "--fhir", str(bundle), "--skip-unmapped"])
    assert duplicate.exit_code == 2
    assert f"Patient: already client {world.client_id} (identifier urn:uuid:" in duplicate.output
    assert "pass --merge" in duplicate.output

    done = runner.invoke(app, ["import", "--fhir", str(bundle), "--skip-unmapped", "--merge"])
    assert done.exit_code == 0, done.output
    assert f"Merged into client {world.client_id}: Amelia Hart" in done.output
    assert "condition: Melasma (adjunct only) [indication melasma, ICD-10-CM L81.1]" in done.output
    assert search_clients(world.records, world.owner).total == 1


NESTED = "[" * 100_000 + "]" * 100_000
PATIENT = {"resourceType": "Patient", "name": [{"family": "Okafor", "given": ["Ngozi"]}]}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("content", "lines"),
    [
        (NESTED.encode(), ["Error: bundle: nested deeper than 64 levels"]),
        (b"\xff\xfe", ["Error: bundle: not UTF-8 text (byte 0)"]),
        (b"{", ["Error: bundle: not valid JSON (line 1, column 2: Expecting property name"]),
        (b"[]", ["Error: resourceType: not a FHIR Bundle"]),
        (
            json.dumps(
                {
                    "resourceType": "Bundle",
                    "type": "transaction",
                    "entry": [
                        {"resource": PATIENT, "request": {"method": "POST", "url": "Patient"}},
                        {"request": {"method": "DELETE", "url": "Patient/1"}},
                        {"request": {"method": "DELETE", "url": "Patient/2"}},
                    ],
                }
            ).encode(),
            [
                "Error: entry[1].request: DELETE of no resource refused",
                "entry[2].request: DELETE of no resource refused",
            ],
        ),
    ],
    ids=["deep", "not-utf8", "truncated", "list", "deletes"],
)
def test_malformed_input_exits_2_with_a_line_per_problem_and_writes_nothing(
    world: World, tmp_path: Path, content: bytes, lines: list[str]
) -> None:
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(content)
    result = runner.invoke(app, ["import", "--fhir", str(bundle)])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    printed = result.output.strip().splitlines()
    assert len(printed) == len(lines)
    assert all(line.startswith(start) for line, start in zip(printed, lines, strict=True))
    assert search_clients(world.records, world.owner).total == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_bundle_with_a_byte_order_mark_imports(world: World, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.json"
    document = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": PATIENT}]}
    bundle.write_bytes(b"\xef\xbb\xbf" + json.dumps(document).encode())
    result = runner.invoke(app, ["import", "--fhir", str(bundle)])
    assert result.exit_code == 0, result.output
    assert "Imported client 2: Ngozi Okafor" in result.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_research_export_writes_csv_and_json(world: World, tmp_path: Path) -> None:
    for export_format, files in (
        ("csv", {"sessions.csv", "scores.csv", "data_dictionary.csv"}),
        ("json", {"research.json"}),
    ):
        out = tmp_path / export_format
        result = runner.invoke(
            app, ["research-export", "--format", export_format, "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert {path.name for path in out.iterdir()} == files
        assert "smallest group on (age band, sex, phototype): 1 subject(s)" in result.output
        assert "Warning: a group of 1 subject(s)" in result.output
    bad = runner.invoke(app, ["research-export", "--format", "xml", "--out", str(tmp_path)])
    assert bad.exit_code == 2
    assert "--format" in bad.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unknown_clinic_exits_2_naming_the_clinics(world: World, tmp_path: Path) -> None:
    result = runner.invoke(app, ["research-export", "--clinic", "Nowhere", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "no clinic named 'Nowhere'" in result.output
    assert "Harbour Skin Clinic" in result.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_the_fhir_extra_it_says_what_to_install(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fhir.resources.R4B.bundle", None)
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps({"resourceType": "Bundle", "type": "collection"}))
    result = runner.invoke(app, ["import", "--fhir", str(bundle)])
    assert result.exit_code == 2
    assert "install the fhir extra (pip install 'microneedling[fhir]')" in result.output
