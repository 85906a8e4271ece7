"""ITA° (chardon1991; dark class delbino2006): atan2(L* − 50, b*) in degrees, six classes."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from score_helpers import ITA_TOLERANCE, refused, worked_examples

from microneedling.scores import calculate
from microneedling.scores.ita import ItaInput
from microneedling.scores.ita import calculate as ita

CODE = "ita"
CLASSES = ("dark", "brown", "tan", "intermediate", "light", "very_light")
LIMITS = (55, 41, 28, 10, -30)


def l_star_for(angle_degrees: float, b_star: float = 10.0) -> float:
    """The L* that gives this angle at this b*, from the definition tan(ITA) = (L* − 50) / b*."""
    return 50 + b_star * math.tan(math.radians(angle_degrees))


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example(example: dict[str, Any]) -> None:
    result = ita(ItaInput.model_validate(example["input"]))
    assert result.score == pytest.approx(45.0, abs=ITA_TOLERANCE)
    assert result.band == "light"


@pytest.mark.parametrize(
    ("angle", "band"),
    [
        pytest.param(70, "very_light", id="chardon1991-70-very-light"),
        pytest.param(56, "very_light", id="chardon1991-56-very-light"),
        pytest.param(54, "light", id="chardon1991-54-light"),
        pytest.param(42, "light", id="chardon1991-42-light"),
        pytest.param(40, "intermediate", id="chardon1991-40-intermediate"),
        pytest.param(29, "intermediate", id="chardon1991-29-intermediate"),
        pytest.param(27, "tan", id="chardon1991-27-tan"),
        pytest.param(11, "tan", id="chardon1991-11-tan"),
        pytest.param(9, "brown", id="chardon1991-9-brown"),
        pytest.param(0, "brown", id="chardon1991-0-brown"),
        pytest.param(-29, "brown", id="chardon1991-minus-29-brown"),
        pytest.param(-31, "dark", id="delbino2006-minus-31-dark"),
        pytest.param(-60, "dark", id="delbino2006-minus-60-dark"),
    ],
)
def test_classes(angle: float, band: str) -> None:
    result = calculate(CODE, {"l_star": l_star_for(angle), "b_star": 10.0})
    assert result.score == pytest.approx(angle, abs=ITA_TOLERANCE)
    assert (result.band, result.range) == (band, (-90, 90))


@pytest.mark.parametrize(
    ("l_star", "angle", "band"),
    [
        pytest.param(70, 90, "very_light", id="chardon1991-b0-lighter-than-50"),
        pytest.param(100, 90, "very_light", id="chardon1991-b0-L100"),
        pytest.param(30, -90, "dark", id="delbino2006-b0-darker-than-50"),
        pytest.param(0, -90, "dark", id="delbino2006-b0-L0"),
    ],
)
def test_b_star_zero_gives_the_limit_not_a_division_error(
    l_star: float, angle: float, band: str
) -> None:
    result = calculate(CODE, {"l_star": l_star, "b_star": 0})
    assert result.score == pytest.approx(angle, abs=ITA_TOLERANCE)
    assert result.band == band


def test_l_star_50_with_b_star_0_has_no_angle() -> None:
    problem = refused(CODE, {"l_star": 50, "b_star": 0}, "b_star")
    assert "no angle" in problem.message


@pytest.mark.parametrize("b_star", [-0.1, -20], ids=repr)
def test_a_bluish_b_star_is_refused(b_star: float) -> None:
    refused(CODE, {"l_star": 60, "b_star": b_star}, "b_star")


@pytest.mark.parametrize("l_star", [-1, 100.1, "60", True, None], ids=repr)
def test_a_bad_l_star_is_refused(l_star: object) -> None:
    refused(CODE, {"l_star": l_star, "b_star": 10}, "l_star")


def test_both_values_are_required() -> None:
    refused(CODE, {"l_star": 60}, "b_star")
    refused(CODE, {"b_star": 10}, "l_star")


def test_the_angle_is_not_rounded() -> None:
    result = calculate(CODE, {"l_star": 61.3, "b_star": 17.9})
    assert result.score != round(result.score, 2)


valid = st.tuples(st.floats(0, 100), st.floats(0, 1e6)).filter(lambda lb: lb != (50, 0))


@given(valid)
def test_any_colour_lies_in_plus_minus_90_and_has_a_class(values: tuple[float, float]) -> None:
    l_star, b_star = values
    result = calculate(CODE, {"l_star": l_star, "b_star": b_star})
    assert -90 <= result.score <= 90
    assert result.band in CLASSES


@given(valid)
def test_a_lighter_skin_never_has_a_darker_class(values: tuple[float, float]) -> None:
    l_star, b_star = values
    lighter = min(100.0, l_star + 5)
    assume((lighter, b_star) != (50, 0))
    darker_result = calculate(CODE, {"l_star": l_star, "b_star": b_star})
    lighter_result = calculate(CODE, {"l_star": lighter, "b_star": b_star})
    assert lighter_result.score >= darker_result.score
    assert CLASSES.index(str(lighter_result.band)) >= CLASSES.index(str(darker_result.band))


@given(st.floats(0.1, 50), st.sampled_from([1, -1]), st.floats(1e-12, 1e-9))
def test_the_angle_tends_to_plus_minus_90_as_b_star_tends_to_zero(
    distance: float, side: int, b_star: float
) -> None:
    result = calculate(CODE, {"l_star": 50 + side * distance, "b_star": b_star})
    assert result.score == pytest.approx(side * 90, abs=ITA_TOLERANCE)


@given(st.floats(0.1, 50), st.sampled_from([1, -1]), st.floats(1e-6, 100))
def test_a_smaller_b_star_moves_the_angle_towards_the_limit(
    distance: float, side: int, b_star: float
) -> None:
    l_star = 50 + side * distance
    nearer = calculate(CODE, {"l_star": l_star, "b_star": b_star / 2}).score
    farther = calculate(CODE, {"l_star": l_star, "b_star": b_star}).score
    assert abs(side * 90 - nearer) <= abs(side * 90 - farther)


@pytest.mark.parametrize("limit", LIMITS)
def test_a_value_near_a_class_limit_says_the_class_is_a_convention(limit: int) -> None:
    result = calculate(CODE, {"l_star": l_star_for(limit + 0.001), "b_star": 10.0})
    assert any("convention" in warning for warning in result.warnings)
