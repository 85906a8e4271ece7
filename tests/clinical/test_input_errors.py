"""Revision 2 input errors: each names its field, through the model and through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import make_request

from microneedling import plan
from microneedling.errors import InputError

CLI = Path(sys.executable).parent / "microneedling"


def _with_client(**client: Any) -> dict[str, Any]:
    return make_request(client=client)


CASES = [
    pytest.param(
        make_request(device={"type": "pen", "needle_length_mm": True}),
        "device.needle_length_mm",
        id="needle_length_boolean",
    ),
    pytest.param(_with_client(fitzpatrick=True), "client.fitzpatrick", id="phototype_boolean"),
    pytest.param(_with_client(age_years=False), "client.age_years", id="age_boolean"),
    pytest.param(
        make_request(
            concerns=[{"indication": "acne_scars_atrophic", "zones": ["cheeks", "cheeks"]}]
        ),
        "concerns[0].zones",
        id="duplicate_zone",
    ),
    pytest.param(
        _with_client(
            medications=[{"code": "isotretinoin", "status": "current", "days_since_stopped": 10}]
        ),
        "client.medications[0].days_since_stopped",
        id="days_since_stopped_with_current",
    ),
    pytest.param(
        make_request(
            concerns=[{"indication": "melasma", "zones": ["cheeks"], "scar_types": ["rolling"]}]
        ),
        "concerns[0].scar_types",
        id="scar_types_on_melasma",
    ),
    pytest.param(
        make_request(as_of="2026-11-22", start_date="2026-11-21"),
        "start_date",
        id="start_date_before_as_of",
    ),
]


@pytest.mark.parametrize(("request_data", "field"), CASES)
def test_revision2_input_error_names_the_field(request_data: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        plan(request_data)
    assert [problem.field for problem in caught.value.problems] == [field]


@pytest.mark.parametrize(("request_data", "field"), CASES)
def test_revision2_input_error_exits_2_through_the_cli(
    request_data: dict[str, Any], field: str, tmp_path: Path
) -> None:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request_data), encoding="utf-8")
    result = subprocess.run(
        [str(CLI), "plan", str(path), "--json"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2, result.stdout
    assert field in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_numbers_and_scar_types_that_are_valid_still_plan() -> None:
    result = plan(
        make_request(
            device={"type": "pen", "needle_length_mm": 1},
            client={
                "fitzpatrick": 3,
                "medications": [
                    {"code": "isotretinoin", "status": "stopped", "days_since_stopped": 400}
                ],
            },
            concerns=[
                {
                    "indication": "acne_scars_atrophic",
                    "zones": ["cheeks"],
                    "scar_types": ["rolling"],
                }
            ],
            start_date="2026-11-22",
        )
    )
    assert result.status == "ok"
    assert result.treatments[0].depth_mm.max == 1.0
