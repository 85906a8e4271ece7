"""Goodman & Baron quantitative score (goodman2006): points × count multiplier + area, 0-84."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from score_helpers import refused, refused_with_allowed, with_item, without, worked_examples

from microneedling.scores import calculate
from microneedling.scores.goodman_baron_quantitative import GoodmanBaronQuantitativeInput
from microneedling.scores.goodman_baron_quantitative import calculate as quantitative

CODE = "goodman_baron_quantitative"
AREA = "keloid_hypertrophic_area_cm2"
# Points per scar type (scores.md table).
POINTS = {
    "macular_count": 1,
    "mild_atrophic_dish_count": 1,
    "moderate_atrophic_dish_count": 2,
    "shallow_punched_out_count": 2,
    "shallow_broad_atrophic_count": 2,
    "deep_punched_out_normal_base_count": 3,
    "deep_punched_out_abnormal_base_count": 3,
    "linear_troughed_count": 3,
    "deep_broad_atrophic_count": 3,
    "papular_count": 2,
}
NONE: dict[str, Any] = {**dict.fromkeys(POINTS, 0), AREA: 0}
# Areas that avoid the unconfirmed limits of exactly 5 and 20 cm².
areas = st.floats(0, 1000, allow_nan=False).filter(lambda area: area not in (5, 20))
assessments = st.fixed_dictionaries({**{key: st.integers(0, 60) for key in POINTS}, AREA: areas})


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example(example: dict[str, Any]) -> None:
    result = quantitative(GoodmanBaronQuantitativeInput.model_validate(example["input"]))
    assert (result.score, result.band) == (8, None)
    assert result.subscores["macular_count"] == 2
    assert result.subscores["shallow_punched_out_count"] == 2
    assert result.subscores["deep_punched_out_normal_base_count"] == 3


@pytest.mark.parametrize(
    ("count", "multiplier"),
    [
        pytest.param(0, 0, id="goodman2006-0-scars-x0"),
        pytest.param(1, 1, id="goodman2006-1-scar-x1"),
        pytest.param(10, 1, id="goodman2006-10-scars-x1"),
        pytest.param(11, 2, id="goodman2006-11-scars-x2"),
        pytest.param(20, 2, id="goodman2006-20-scars-x2"),
        pytest.param(21, 3, id="goodman2006-21-scars-x3"),
        pytest.param(500, 3, id="goodman2006-500-scars-x3"),
    ],
)
@pytest.mark.parametrize("scar_type", POINTS)
def test_count_brackets_multiply_the_points(scar_type: str, count: int, multiplier: int) -> None:
    result = calculate(CODE, with_item(NONE, scar_type, count))
    assert result.score == POINTS[scar_type] * multiplier


@pytest.mark.parametrize(
    ("area", "points"),
    [
        pytest.param(0, 0, id="goodman2006-area-0"),
        pytest.param(0.5, 6, id="goodman2006-area-under-5"),
        pytest.param(4.9, 6, id="goodman2006-area-4.9"),
        pytest.param(5.1, 12, id="goodman2006-area-5.1"),
        pytest.param(19.9, 12, id="goodman2006-area-19.9"),
        pytest.param(20.1, 18, id="goodman2006-area-20.1"),
        pytest.param(300, 18, id="goodman2006-area-300"),
    ],
)
def test_keloid_area_scores_by_bracket(area: float, points: int) -> None:
    assert calculate(CODE, with_item(NONE, AREA, area)).score == points


def test_minimum_and_published_maximum() -> None:
    assert calculate(CODE, NONE).score == 0
    worst = {**dict.fromkeys(POINTS, 21), AREA: 25.0}
    result = calculate(CODE, worst)
    assert (result.score, result.band, result.range) == (84, None, (0, 84))


@pytest.mark.parametrize("value", [-1, 1.5, True, "3", None], ids=repr)
def test_a_bad_count_is_refused(value: object) -> None:
    refused(CODE, with_item(NONE, "papular_count", value), "papular_count")


@pytest.mark.parametrize("value", [-0.1, "5", True, float("inf"), float("nan")], ids=repr)
def test_a_bad_area_is_refused(value: object) -> None:
    refused(CODE, with_item(NONE, AREA, value), AREA)


@pytest.mark.parametrize("item", [*POINTS, AREA])
def test_every_item_is_required(item: str) -> None:
    refused(CODE, without(NONE, item), item)


def test_a_negative_count_names_what_is_allowed() -> None:
    refused_with_allowed(
        CODE, with_item(NONE, "macular_count", -3), "macular_count", ["integer ≥ 0"]
    )


def test_an_unknown_scar_type_is_refused() -> None:
    refused(CODE, with_item(NONE, "icepick_count", 2), "icepick_count")


@given(assessments)
def test_any_assessment_scores_within_range(assessment: dict[str, Any]) -> None:
    result = calculate(CODE, assessment)
    assert 0 <= result.score <= 84
    assert result.band is None
    assert result.score == sum(result.subscores.values())


@given(assessments, st.sampled_from([*POINTS, AREA]), st.integers(1, 30))
def test_more_scarring_never_lowers_the_score(
    assessment: dict[str, Any], item: str, more: int
) -> None:
    worse = with_item(assessment, item, assessment[item] + more)
    if item == AREA and worse[AREA] in (5, 20):
        return
    assert calculate(CODE, worse).score >= calculate(CODE, assessment).score
