"""GAGS (doshi1997): Σ factor × grade over six locations, 0-44, four severity bands."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from score_helpers import refused, refused_with_allowed, with_item, without, worked_examples

from microneedling.scores import calculate
from microneedling.scores.gags import GagsInput
from microneedling.scores.gags import calculate as gags

CODE = "gags"
FACTORS = {
    "forehead": 2,
    "right_cheek": 2,
    "left_cheek": 2,
    "nose": 1,
    "chin": 1,
    "chest_upper_back": 3,
}
NONE = dict.fromkeys(FACTORS, 0)
SEVERITY = {"mild": 1, "moderate": 2, "severe": 3, "very_severe": 4}
gradings = st.fixed_dictionaries({key: st.integers(0, 4) for key in FACTORS})


def grading_with_total(total: int) -> dict[str, int]:
    """Some grading whose factor-weighted sum is `total`."""
    for grades in itertools.product(range(5), repeat=len(FACTORS)):
        if (
            sum(factor * grade for factor, grade in zip(FACTORS.values(), grades, strict=True))
            == total
        ):
            return dict(zip(FACTORS, grades, strict=True))
    raise AssertionError(f"no grading sums to {total}")


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example(example: dict[str, Any]) -> None:
    result = gags(GagsInput.model_validate(example["input"]))
    assert (result.score, result.band) == (22, "moderate")
    assert result.subscores == {
        "forehead": 4,
        "right_cheek": 6,
        "left_cheek": 6,
        "nose": 1,
        "chin": 2,
        "chest_upper_back": 3,
    }


@pytest.mark.parametrize(
    ("location", "factor"),
    [pytest.param(k, f, id=f"doshi1997-{k}-x{f}") for k, f in FACTORS.items()],
)
def test_each_location_weighs_its_factor(location: str, factor: int) -> None:
    assert calculate(CODE, with_item(NONE, location, 4)).score == 4 * factor


@pytest.mark.parametrize(
    ("total", "band"),
    [
        pytest.param(1, "mild", id="doshi1997-1-mild"),
        pytest.param(18, "mild", id="doshi1997-18-mild"),
        pytest.param(19, "moderate", id="doshi1997-19-moderate"),
        pytest.param(30, "moderate", id="doshi1997-30-moderate"),
        pytest.param(31, "severe", id="doshi1997-31-severe"),
        pytest.param(38, "severe", id="doshi1997-38-severe"),
        pytest.param(40, "very_severe", id="doshi1997-40-very-severe"),
        pytest.param(44, "very_severe", id="doshi1997-44-very-severe-max"),
    ],
)
def test_band_boundaries(total: int, band: str) -> None:
    result = calculate(CODE, grading_with_total(total))
    assert (result.score, result.band, result.range) == (total, band, (0, 44))


def test_minimum_scores_zero() -> None:
    assert calculate(CODE, NONE).score == 0


@pytest.mark.parametrize("value", [5, -1])
def test_a_grade_out_of_range_is_refused(value: int) -> None:
    refused_with_allowed(CODE, with_item(NONE, "nose", value), "nose", ["0", "1", "2", "3", "4"])


@pytest.mark.parametrize("value", [True, 2.0, "2"], ids=repr)
def test_a_non_integer_grade_is_refused(value: object) -> None:
    refused(CODE, with_item(NONE, "chin", value), "chin")


@pytest.mark.parametrize("location", FACTORS)
def test_every_location_is_required(location: str) -> None:
    refused(CODE, without(NONE, location), location)


def test_an_unknown_location_is_refused() -> None:
    refused(CODE, with_item(NONE, "cheeks", 2), "cheeks")


@given(gradings)
def test_any_grading_scores_within_range(grades: dict[str, int]) -> None:
    result = calculate(CODE, grades)
    assert 0 <= result.score <= 44
    if result.score not in (0, 39):
        assert result.band in SEVERITY


@given(gradings, st.sampled_from(list(FACTORS)))
def test_a_worse_lesion_never_lowers_score_or_band(grades: dict[str, int], location: str) -> None:
    if grades[location] == 4:
        return
    before = calculate(CODE, grades)
    after = calculate(CODE, with_item(grades, location, grades[location] + 1))
    assert after.score > before.score
    if before.score not in (0, 39) and after.score != 39:
        assert SEVERITY[str(after.band)] >= SEVERITY[str(before.band)]
