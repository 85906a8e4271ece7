"""Ludwig grade (ludwig1977): I-III."""

from __future__ import annotations

from typing import Any

import pytest
from score_helpers import refused_with_allowed, worked_examples

from microneedling.scores import calculate
from microneedling.scores.ludwig import LudwigInput
from microneedling.scores.ludwig import calculate as ludwig

CODE = "ludwig"
GRADES = ["I", "II", "III"]


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example(example: dict[str, Any]) -> None:
    result = ludwig(LudwigInput.model_validate(example["input"]))
    assert (result.score, result.band) == (2, "II")


@pytest.mark.parametrize(
    ("grade", "score"), [pytest.param(g, n, id=f"ludwig1977-{g}") for n, g in enumerate(GRADES, 1)]
)
def test_each_grade_is_its_ordinal(grade: str, score: int) -> None:
    result = calculate(CODE, {"grade": grade})
    assert (result.score, result.band, result.range) == (score, grade, (1, 3))


@pytest.mark.parametrize("grade", ["IV", "I-2", "", 2, None], ids=repr)
def test_a_grade_outside_the_instrument_is_refused(grade: object) -> None:
    refused_with_allowed(CODE, {"grade": grade}, "grade", GRADES)


def test_unknown_keys_are_refused() -> None:
    refused_with_allowed(CODE, {"grade": "I", "savin": 3}, "savin", ["grade"])
