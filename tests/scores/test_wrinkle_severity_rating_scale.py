"""Wrinkle Severity Rating Scale (day2004): grades 1-5 for one nasolabial fold."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from score_helpers import refused, refused_with_allowed, worked_examples

from microneedling.scores import calculate
from microneedling.scores.wrinkle_severity_rating_scale import WrinkleSeverityInput
from microneedling.scores.wrinkle_severity_rating_scale import calculate as wsrs

CODE = "wrinkle_severity_rating_scale"
LABELS = {1: "absent", 2: "mild", 3: "moderate", 4: "severe", 5: "extreme"}


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example(example: dict[str, Any]) -> None:
    result = wsrs(WrinkleSeverityInput.model_validate(example["input"]))
    assert (result.score, result.band) == (3, "moderate")


@pytest.mark.parametrize(
    ("grade", "band"), [pytest.param(g, b, id=f"day2004-{g}-{b}") for g, b in LABELS.items()]
)
def test_each_grade_has_its_label(grade: int, band: str) -> None:
    result = calculate(CODE, {"grade": grade})
    assert (result.score, result.band, result.range) == (grade, band, (1, 5))


@pytest.mark.parametrize("grade", [0, 6])
def test_a_grade_out_of_range_is_refused(grade: int) -> None:
    refused_with_allowed(CODE, {"grade": grade}, "grade", ["1", "2", "3", "4", "5"])


@pytest.mark.parametrize("grade", [True, 3.0, "3", None], ids=repr)
def test_a_non_integer_grade_is_refused(grade: object) -> None:
    refused(CODE, {"grade": grade}, "grade")


@given(st.integers(1, 5))
def test_any_grade_scores_itself(grade: int) -> None:
    assert calculate(CODE, {"grade": grade}).score == grade
