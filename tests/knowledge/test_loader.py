"""The loader refuses a bad knowledge base with the file and the row."""

from __future__ import annotations

import re
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
    assert kb.version == "2026.12.2"
    assert "harris2015" in kb.references


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("zones.toml", "mm = 2.0, evidence", "mm = 25.0, evidence", "zones.toml, zone #5 (cheeks)"),
        ("zones.toml", '"meng2022"]', '"nobody1999"]', "unknown reference 'nobody1999'"),
        ("indications.toml", "min = 1.0, max = 2.0", "min = 2.0, max = 1.0", "greater than max"),
        (
            "zones.toml",
            'mm = 2.0, evidence = ["derived"], references = ["expert_default"]',
            'mm = 2.0, evidence = ["derived"], references = []',
            "references",
        ),
        pytest.param(
            "indications.toml",
            'evidence = ["review"], references = ["harris2015"], quote = "18 studies',
            'evidence = ["review"], references = ["expert_default"], quote = "18 studies',
            "no reference reports it; grade it derived",
            id="graded-number-without-reporting-reference",
        ),
        pytest.param(
            "indications.toml",
            'evidence = ["rct"], references = ["naspolini2019"], quote = "5 monthly sessions"',
            'evidence = ["rct"], references = ["naspolini2019"]',
            "a supported number needs the quote",
            id="reported-number-without-quote",
        ),
        pytest.param(
            "zones.toml",
            '["expert_default"], background = ["alster2018", "singh2016", "iyengar2018",',
            '["alster2018", "singh2016", "iyengar2018",',
            "graded derived, so",
            id="derived-number-citing-a-paper-as-reporting",
        ),
        pytest.param(
            "indications.toml",
            'evidence = ["rct"], references = ["naspolini2019"], quote = "5 monthly sessions"',
            'evidence = ["sr"], references = ["naspolini2019"], quote = "5 monthly sessions"',
            "no reporting reference is graded ['sr']",
            id="grade-of-a-paper-that-does-not-say-it",
        ),
        pytest.param(
            "rules.toml",
            'evidence = ["derived"]\nreferences = ["expert_default"]\nbackground = ["cohen2016"]',
            'evidence = ["review", "derived"]\nreferences = ["cohen2016"]',
            "either derived or graded",
            id="mixed-grade",
        ),
        pytest.param(
            "claims.toml",
            'evidence = ["review"]\nreferences = ["cohen2016"]',
            'references = ["cohen2016"]',
            "evidence",
            id="claim-verdict-without-evidence-level",
        ),
        pytest.param(
            "zones.toml",
            'background = ["fda2020"]',
            'background = ["nobody1999"]',
            "background: unknown reference 'nobody1999'",
            id="unknown-background",
        ),
        pytest.param(
            "indications.toml",
            'visible_source = { evidence = ["derived"], references = ["expert_default"] }\nnotes',
            "notes",
            "'visible' needs a visible_source",
            id="visible-timing-without-grade",
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
        pytest.param(
            "care.toml",
            'patient = "Do not put minoxidil on your scalp on the day of needling."',
            'patient = "Do not put minoxidil on your scalp for 3 days before needling."',
            "the patient wording holds a number that the clinician text does not",
            id="patient-wording-with-its-own-number",
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
    with pytest.raises(KnowledgeError, match=re.escape(message)):
        load_from(data)
