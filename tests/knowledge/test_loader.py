"""The loader refuses a bad knowledge base with the file and the row."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from microneedling.knowledge import KnowledgeError, load_from, load_knowledge


def copy_data(tmp_path: Path) -> Path:
    source = Path(str(files("microneedling.knowledge") / "data"))
    target = tmp_path / "data"
    shutil.copytree(source, target)
    return target


def test_packaged_knowledge_loads_with_its_version() -> None:
    kb = load_knowledge()
    assert kb.version == "2026.12.1"
    assert "harris2015" in kb.references


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("zones.toml", "mm = 2.0, evidence", "mm = 25.0, evidence", "zones.toml, zone #5 (cheeks)"),
        ("zones.toml", '"meng2022", "pahwa2012"', '"nobody1999"', "unknown reference 'nobody1999'"),
        ("indications.toml", "min = 1.0, max = 2.0", "min = 2.0, max = 1.0", "greater than max"),
        (
            "zones.toml",
            'references = ["alster2018", "singh2016", "iyengar2018", "meng2022"]',
            "references = []",
            "references",
        ),
        (
            "indications.toml",
            '"neck", "decolletage", "back"]',
            '"neck", "elbow"]',
            "unknown zone 'elbow'",
        ),
        (
            "contraindications.toml",
            'withholds = ["tranexamic_acid"',
            'withholds = ["thalidomide"',
            "unknown product 'thalidomide'",
        ),
        (
            "contraindications.toml",
            'scar_types = ["keloid"]',
            'scar_types = ["keloidal"]',
            "unknown scar type 'keloidal'",
        ),
        (
            "contraindications.toml",
            'trigger = "scar_type"\nscar_types = ["keloid"]',
            'trigger = "scar_type"',
            "scar_types go with trigger 'scar_type'",
        ),
        ("care.toml", 'mentions = ["hydroquinone"]', 'mentions = ["arsenic"]', "unknown product"),
        ("rules.toml", 'topicals = ["hyaluronic_acid_sterile"]', 'topicals = ["glue"]', "glue"),
    ],
)
def test_bad_rows_fail_loudly(tmp_path: Path, file: str, old: str, new: str, message: str) -> None:
    data = copy_data(tmp_path)
    path = data / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_from(data)
