"""docs/interop.md stays true: its bundle imports as it says, and its tables of ICD-10-CM codes
and of research columns are the ones the code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

from microneedling.interop import codes
from microneedling.interop.fhir_import import read_bundle
from microneedling.services.research_export import DATA_DICTIONARY

DOC = (Path(__file__).resolve().parents[2] / "docs" / "interop.md").read_text(encoding="utf-8")


def _rows(first_cell: str) -> list[list[str]]:
    lines = [line for line in DOC.splitlines() if line.startswith(f"| {first_cell}")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_the_example_bundle_imports_as_described() -> None:
    (example,) = re.findall(r"```json\n(.*?)```", DOC, re.DOTALL)
    imported = read_bundle(json.loads(example))
    assert (imported.client["given_name"], imported.client["family_name"]) == (
        "Ngozi Ada",
        "Okafor",
    )
    assert [c.line() for c in imported.conditions] == [
        "Alopecia areata [indication alopecia_areata, ICD-10-CM L63.9], zones: scalp",
        "Acne vulgaris [ICD-10-CM L70.0]",
    ]


def test_the_icd_10_cm_table_is_the_code_map() -> None:
    table = {
        row[0].strip("`"): (row[1], row[2])
        for row in _rows("`")
        if re.fullmatch(r"L\d\d\.\d", row[1])
    }
    assert table == {
        indication: (icd.code, icd.title)
        for indication, icd in codes.ICD_10_CM_BY_INDICATION.items()
    }


def test_the_data_dictionary_table_is_the_research_columns() -> None:
    table = [tuple(row) for row in _rows("sessions") + _rows("scores")]
    assert table == [
        (c.table, f"`{c.name}`", c.type, c.unit, c.description) for c in DATA_DICTIONARY
    ]
