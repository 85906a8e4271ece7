"""Goodman & Baron qualitative grade (goodman2006): the most severe grade present, 1-4."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from score_helpers import refused, refused_with_allowed, worked_examples

from microneedling.scores import calculate
from microneedling.scores.goodman_baron_qualitative import GoodmanBaronQualitativeInput
from microneedling.scores.goodman_baron_qualitative import calculate as qualitative

CODE = "goodman_baron_qualitative"
LABELS = {1: "macular", 2: "mild", 3: "moderate", 4: "severe"}
grade_lists = st.lists(st.integers(1, 4), min_size=1, max_size=12)


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example(example: dict[str, Any]) -> None:
    result = qualitative(GoodmanBaronQualitativeInput.model_validate(example["input"]))
    assert (result.score, result.band) == (3, "moderate")


@pytest.mark.parametrize(
    ("grade", "band"), [pytest.param(g, b, id=f"goodman2006-{g}-{b}") for g, b in LABELS.items()]
)
def test_each_grade_has_its_label(grade: int, band: str) -> None:
    result = calculate(CODE, {"grades_present": [grade]})
    assert (result.score, result.band, result.range) == (grade, band, (1, 4))


@pytest.mark.parametrize(
    ("grades", "score"),
    [
        pytest.param([4, 1], 4, id="goodman2006-most-severe-first"),
        pytest.param([2, 2, 2], 2, id="goodman2006-duplicates-allowed"),
        pytest.param([1, 3, 2, 1], 3, id="goodman2006-most-severe-inside"),
    ],
)
def test_the_grade_is_the_most_severe_present(grades: list[int], score: int) -> None:
    assert calculate(CODE, {"grades_present": grades}).score == score


def test_an_empty_list_is_not_a_grade() -> None:
    problem = refused(CODE, {"grades_present": []}, "grades_present")
    assert "1, 2, 3, 4" in str(problem)


@pytest.mark.parametrize(
    ("grades", "item"),
    [
        ([0], "grades_present[0]"),
        ([2, 5], "grades_present[1]"),
        ([True], "grades_present[0]"),
        ([2, 3.0], "grades_present[1]"),
        ([1, "3"], "grades_present[1]"),
    ],
    ids=repr,
)
def test_a_bad_grade_is_refused_by_position(grades: list[object], item: str) -> None:
    refused_with_allowed(CODE, {"grades_present": grades}, item, ["1", "2", "3", "4"])


@pytest.mark.parametrize("data", [{}, {"grades_present": 3}, {"grades": [1]}], ids=repr)
def test_a_missing_or_malformed_list_is_refused(data: dict[str, object]) -> None:
    refused(CODE, data, "grades_present")


@given(grade_lists)
def test_any_grades_score_their_maximum_within_range(grades: list[int]) -> None:
    result = calculate(CODE, {"grades_present": grades})
    assert result.score == max(grades)
    assert result.band == LABELS[max(grades)]


@given(grade_lists, st.integers(1, 4))
def test_finding_another_scar_population_never_lowers_the_grade(
    grades: list[int], extra: int
) -> None:
    before = calculate(CODE, {"grades_present": grades}).score
    assert calculate(CODE, {"grades_present": [*grades, extra]}).score >= before
