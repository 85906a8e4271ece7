"""Fitzpatrick phototype self-assessment (fitzpatrick1988): 10 items 0-4, sum 0-40, bands I-VI."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from score_helpers import refused, refused_with_allowed, with_item, without, worked_examples

from microneedling.scores import calculate
from microneedling.scores.fitzpatrick_questionnaire import (
    FitzpatrickAnswers,
    phototype_from_answers,
)
from microneedling.scores.fitzpatrick_questionnaire import calculate as fitzpatrick

CODE = "fitzpatrick_questionnaire"
# The items in the order of scores.md: genetic disposition, reaction to sun, tanning habits.
ITEMS = (
    "eye_color",
    "hair_color",
    "skin_color_unexposed",
    "freckles_unexposed",
    "burn_after_long_sun",
    "tan_depth",
    "tan_within_hours",
    "face_sun_sensitivity",
    "last_sun_exposure",
    "treatment_area_sun_exposure",
)
ROMAN = ("I", "II", "III", "IV", "V", "VI")
all_answers = st.fixed_dictionaries({key: st.integers(0, 4) for key in ITEMS})


def answers_summing_to(total: int) -> dict[str, int]:
    """Answers whose points add up to `total` (fills items with 4 points, then the rest)."""
    answers = {}
    for key in ITEMS:
        answers[key] = min(4, total)
        total -= answers[key]
    assert total == 0
    return answers


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example_is_type_iii(example: dict[str, Any]) -> None:
    answers = FitzpatrickAnswers.model_validate(example["input"])
    result = fitzpatrick(answers)
    assert (result.score, result.band) == (17, "III")
    assert phototype_from_answers(answers) == 3


@pytest.mark.parametrize(
    ("total", "band"),
    [
        pytest.param(0, "I", id="fitzpatrick1988-0-I-min"),
        pytest.param(6, "I", id="fitzpatrick1988-6-I"),
        pytest.param(7, "II", id="fitzpatrick1988-7-II"),
        pytest.param(13, "II", id="fitzpatrick1988-13-II"),
        pytest.param(14, "III", id="fitzpatrick1988-14-III"),
        pytest.param(20, "III", id="fitzpatrick1988-20-III"),
        pytest.param(21, "IV", id="fitzpatrick1988-21-IV"),
        pytest.param(27, "IV", id="fitzpatrick1988-27-IV"),
        pytest.param(28, "V", id="fitzpatrick1988-28-V"),
        pytest.param(34, "V", id="fitzpatrick1988-34-V"),
        pytest.param(35, "VI", id="fitzpatrick1988-35-VI"),
        pytest.param(36, "VI", id="fitzpatrick1988-36-VI-printed-as-35-36"),
        pytest.param(40, "VI", id="fitzpatrick1988-40-VI-max"),
    ],
)
def test_band_boundaries(total: int, band: str) -> None:
    answers = answers_summing_to(total)
    result = calculate(CODE, answers)
    assert (result.score, result.band, result.range) == (total, band, (0, 40))
    assert phototype_from_answers(FitzpatrickAnswers(**answers)) == ROMAN.index(band) + 1


def test_sub_scores_follow_the_three_groups_of_items() -> None:
    answers = dict(zip(ITEMS, (4, 4, 4, 4, 1, 1, 1, 1, 0, 2), strict=True))
    result = calculate(CODE, answers)
    assert result.subscores == {
        "genetic_disposition": 16,
        "reaction_to_sun": 4,
        "tanning_habits": 2,
    }
    assert result.score == 22


@pytest.mark.parametrize("item", ITEMS)
@pytest.mark.parametrize("value", [5, -1])
def test_an_item_out_of_range_is_refused_not_clamped(item: str, value: int) -> None:
    data = with_item(answers_summing_to(10), item, value)
    refused_with_allowed(CODE, data, item, ["0", "1", "2", "3", "4"])


@pytest.mark.parametrize(
    "value", [True, False, 2.0, 2.5, "2", None], ids=["true", "false", "2.0", "2.5", "text", "null"]
)
def test_a_non_integer_item_is_refused(value: object) -> None:
    refused(CODE, with_item(answers_summing_to(10), "tan_depth", value), "tan_depth")


@pytest.mark.parametrize("item", ITEMS)
def test_a_missing_item_is_refused(item: str) -> None:
    refused_with_allowed(
        CODE, without(answers_summing_to(10), item), item, ["0", "1", "2", "3", "4"]
    )


def test_an_unknown_item_is_refused_and_the_known_ones_are_listed() -> None:
    problem = refused(CODE, with_item(answers_summing_to(10), "skin_type", 3), "skin_type")
    assert set(problem.allowed) == set(ITEMS)


def test_the_planner_model_is_strict_too() -> None:
    with pytest.raises(ValidationError):
        FitzpatrickAnswers.model_validate(with_item(answers_summing_to(10), "eye_color", True))


@given(all_answers)
def test_any_valid_answers_score_within_range_and_band(answers: dict[str, int]) -> None:
    result = calculate(CODE, answers)
    assert result.score == sum(answers.values())
    assert 0 <= result.score <= 40
    assert result.band in ROMAN
    assert phototype_from_answers(FitzpatrickAnswers(**answers)) == ROMAN.index(result.band) + 1


@given(all_answers, st.sampled_from(ITEMS))
def test_a_higher_answer_never_lowers_score_or_phototype(
    answers: dict[str, int], item: str
) -> None:
    if answers[item] == 4:
        return
    before = calculate(CODE, answers)
    after = calculate(CODE, with_item(answers, item, answers[item] + 1))
    assert after.score == before.score + 1
    assert ROMAN.index(str(after.band)) >= ROMAN.index(str(before.band))
