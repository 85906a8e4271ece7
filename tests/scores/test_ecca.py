"""ECCA (dreno2007): Σ weight × grade over six scar types, 0-540, no bands."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from score_helpers import refused, refused_with_allowed, with_item, without, worked_examples

from microneedling.scores import calculate
from microneedling.scores.ecca import EccaInput
from microneedling.scores.ecca import calculate as ecca

CODE = "ecca"
WEIGHTS = {
    "v_shaped": 15,
    "u_shaped": 20,
    "m_shaped": 25,
    "superficial_elastolysis": 30,
    "hypertrophic_inflammatory": 40,
    "keloid": 50,
}
NONE = dict.fromkeys(WEIGHTS, 0)
gradings = st.fixed_dictionaries({key: st.integers(0, 3) for key in WEIGHTS})


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example(example: dict[str, Any]) -> None:
    result = ecca(EccaInput.model_validate(example["input"]))
    assert (result.score, result.band) == (75, None)


@pytest.mark.parametrize(
    ("scar_type", "weight"),
    [pytest.param(k, w, id=f"dreno2007-{k}-{w}") for k, w in WEIGHTS.items()],
)
@pytest.mark.parametrize("grade", [1, 2, 3])
def test_each_type_weighs_its_factor(scar_type: str, weight: int, grade: int) -> None:
    result = calculate(CODE, with_item(NONE, scar_type, grade))
    assert result.score == weight * grade
    assert result.subscores[scar_type] == weight * grade


def test_minimum_and_published_maximum() -> None:
    assert calculate(CODE, NONE).score == 0
    result = calculate(CODE, dict.fromkeys(WEIGHTS, 3))
    assert (result.score, result.band, result.range) == (540, None, (0, 540))


@pytest.mark.parametrize("value", [4, -1], ids=repr)
def test_a_grade_out_of_range_is_refused(value: int) -> None:
    refused_with_allowed(CODE, with_item(NONE, "keloid", value), "keloid", ["0", "1", "2", "3"])


@pytest.mark.parametrize("value", [True, 1.0, "1", None], ids=repr)
def test_a_non_integer_grade_is_refused(value: object) -> None:
    refused(CODE, with_item(NONE, "u_shaped", value), "u_shaped")


def test_a_count_is_not_a_grade() -> None:
    refused(CODE, with_item(NONE, "v_shaped", 12), "v_shaped")


@pytest.mark.parametrize("item", WEIGHTS)
def test_every_type_is_required(item: str) -> None:
    refused(CODE, without(NONE, item), item)


def test_an_unknown_type_is_refused() -> None:
    refused(CODE, with_item(NONE, "boxcar", 1), "boxcar")


@given(gradings)
def test_any_grading_scores_within_range(grades: dict[str, int]) -> None:
    result = calculate(CODE, grades)
    assert 0 <= result.score <= 540
    assert result.score % 5 == 0


@given(gradings, st.sampled_from(list(WEIGHTS)))
def test_a_higher_grade_never_lowers_the_score(grades: dict[str, int], item: str) -> None:
    if grades[item] == 3:
        return
    before = calculate(CODE, grades).score
    assert calculate(CODE, with_item(grades, item, grades[item] + 1)).score > before
