"""Hazard rows name their controls as `kind:code`; the loader refuses one that names no row."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from microneedling.knowledge import KnowledgeError, load_from, load_knowledge
from microneedling.knowledge.hazards import CONTROL_KINDS, control_rows

KB = load_knowledge()


@pytest.mark.parametrize("kind", CONTROL_KINDS)
def test_each_kind_finds_its_rows(kind: str) -> None:
    code, rows = next(iter(CONTROL_KINDS[kind](KB).items()))
    assert control_rows(KB, f"{kind}:{code}") == rows


def test_screening_rows_sharing_a_code_are_one_control() -> None:
    rows = control_rows(KB, "contraindication:keloid_tendency")
    assert rows == [r for r in KB.contraindications if r.code == "keloid_tendency"]
    assert len(rows) > 1


@pytest.mark.parametrize("control", ["zone:elbow", "lotion:vitamin_c", "pre_care"])
def test_an_unknown_control_names_no_rows(control: str) -> None:
    assert control_rows(KB, control) == []


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('"zone:periorbital"', '"zone:elbow"', "hazard 'home_wrong_depth': no row 'zone:elbow'"),
        ('"rule:ramp"', '"rule:speed"', "hazard 'pih': no row 'rule:speed'"),
        ('references = ["harris2015"', 'references = ["nobody1999"', "unknown reference"),
    ],
)
def test_a_hazard_naming_a_missing_row_fails_to_load(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    data = tmp_path / "data"
    shutil.copytree(Path(str(files("microneedling.knowledge") / "data")), data)
    path = data / "hazards.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message):
        load_from(data)
