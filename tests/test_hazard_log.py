"""The hazard log (docs/hazards.md) is current, and every hazard control has a test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tools.hazard_log import GENERATOR, missing_tests, render

from microneedling.knowledge import load_knowledge
from microneedling.knowledge.hazards import control_rows

ROOT = Path(__file__).resolve().parents[1]
KB = load_knowledge()


@pytest.fixture(scope="module")
def rule_tests() -> dict[str, list[str]]:
    """Control → the tests marked as proving it, collected as the generator collects them."""
    result = subprocess.run(
        [sys.executable, "tools/hazard_log.py", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    tests: dict[str, list[str]] = json.loads(result.stdout)
    return tests


def test_every_hazard_control_has_a_test(rule_tests: dict[str, list[str]]) -> None:
    assert missing_tests(KB, rule_tests) == {}


def test_a_control_without_a_test_is_reported() -> None:
    hazard = next(iter(KB.hazards.values()))
    proved = {control: ["a test"] for control in hazard.controls[1:]}
    assert missing_tests(KB, proved)[hazard.code] == hazard.controls[:1]


def test_every_rule_mark_names_a_knowledge_base_row(rule_tests: dict[str, list[str]]) -> None:
    assert [control for control in rule_tests if not control_rows(KB, control)] == []


def test_the_hazard_log_is_current(rule_tests: dict[str, list[str]]) -> None:
    text = (ROOT / "docs" / "hazards.md").read_text(encoding="utf-8")
    assert text == render(KB, rule_tests), f"stale: run `{GENERATOR}`"
