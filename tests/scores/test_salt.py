"""SALT (olsen2004; classes olsen1999): weighted percent scalp hair loss, 0-100, S0-S5."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from score_helpers import refused, refused_with_allowed, with_item, without, worked_examples

from microneedling.scores import calculate
from microneedling.scores.salt import SaltInput
from microneedling.scores.salt import calculate as salt

CODE = "salt"
REGIONS = ("vertex_pct", "posterior_pct", "right_side_pct", "left_side_pct")
CLASSES = ("S0", "S1", "S2", "S3", "S4", "S5")
percents = st.floats(0, 100, allow_nan=False)
scalps = st.fixed_dictionaries(dict.fromkeys(REGIONS, percents))


def even(percent: float) -> dict[str, float]:
    """The same loss in every region: SALT is then that percent."""
    return dict.fromkeys(REGIONS, percent)


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example(example: dict[str, Any]) -> None:
    result = salt(SaltInput.model_validate(example["input"]))
    assert (result.score, result.band) == (32.0, "S2")
    assert result.subscores == {
        "vertex_pct": 20.0,
        "posterior_pct": 4.8,
        "right_side_pct": 1.8,
        "left_side_pct": 5.4,
    }


@pytest.mark.parametrize(
    ("percent", "band"),
    [
        pytest.param(0, "S0", id="olsen1999-0-S0"),
        pytest.param(0.01, "S1", id="olsen1999-0.01-S1"),
        pytest.param(24.99, "S1", id="olsen1999-24.99-S1"),
        pytest.param(25, "S2", id="olsen1999-25-S2"),
        pytest.param(49.99, "S2", id="olsen1999-49.99-S2"),
        pytest.param(50, "S3", id="olsen1999-50-S3"),
        pytest.param(74.99, "S3", id="olsen1999-74.99-S3"),
        pytest.param(75, "S4", id="olsen1999-75-S4"),
        pytest.param(99.99, "S4", id="olsen1999-99.99-S4"),
        pytest.param(100, "S5", id="olsen1999-100-S5"),
    ],
)
def test_class_limits_are_closed_below_and_open_above(percent: float, band: str) -> None:
    result = calculate(CODE, even(percent))
    assert (result.score, result.band, result.range) == (percent, band, (0, 100))


@pytest.mark.parametrize(
    ("percent", "score", "band"),
    [
        pytest.param(24.996, 25.0, "S1", id="olsen1999-24.996-shown-25-is-S1"),
        pytest.param(0.0036, 0.0, "S1", id="olsen1999-0.0036-shown-0-is-S1-not-S0"),
        pytest.param(99.9964, 100.0, "S4", id="olsen1999-99.9964-shown-100-is-S4-not-S5"),
        pytest.param(49.995, 50.0, "S2", id="olsen1999-49.995-shown-50-is-S2"),
        pytest.param(74.999, 75.0, "S3", id="olsen1999-74.999-shown-75-is-S3"),
    ],
)
def test_the_class_follows_the_exact_value_not_the_rounded_score(
    percent: float, score: float, band: str
) -> None:
    result = calculate(CODE, even(percent))
    assert (result.score, result.band) == (score, band)


def test_a_fraction_of_a_region_is_hair_loss() -> None:
    """0.01 % of the vertex is 0.004 % of the scalp: shown as 0.0, but not S0 'no hair loss'."""
    result = calculate(CODE, {**even(0), "vertex_pct": 0.01})
    assert (result.score, result.band) == (0.0, "S1")


@given(percents)
def test_only_exactly_0_and_100_reach_the_end_classes(percent: float) -> None:
    band = calculate(CODE, even(percent)).band
    assert (band == "S0") == (percent == 0)
    assert (band == "S5") == (percent == 100)


@pytest.mark.parametrize(
    ("percent", "subclass"),
    [
        pytest.param(80, "S4a", id="olsen2004-80-S4a"),
        pytest.param(95, "S4a", id="olsen2004-95-S4a"),
        pytest.param(97, "S4b", id="olsen2004-97-S4b"),
    ],
)
def test_s4_carries_its_sub_class_but_stays_s4(percent: float, subclass: str) -> None:
    result = calculate(CODE, even(percent))
    assert (result.band, result.subclass) == ("S4", subclass)


def test_the_score_is_rounded_to_two_decimals() -> None:
    data = {**even(0), "vertex_pct": 33.333}
    assert calculate(CODE, data).score == 13.33  # 0.40 × 33.333 = 13.3332


def test_decimal_weights_do_not_drift() -> None:
    data = {**even(0), "right_side_pct": 10, "left_side_pct": 30}
    assert calculate(CODE, data).score == 7.2  # 1.8 + 5.4, not 7.199999999999999


@pytest.mark.parametrize("value", [100.5, -0.1, "50", True, None, float("inf")], ids=repr)
def test_a_bad_percent_is_refused(value: object) -> None:
    refused(CODE, with_item(even(10), "posterior_pct", value), "posterior_pct")


def test_a_percent_over_100_names_the_range() -> None:
    refused_with_allowed(
        CODE, with_item(even(10), "vertex_pct", 101), "vertex_pct", ["number from 0 to 100"]
    )


@pytest.mark.parametrize("region", REGIONS)
def test_every_region_is_required(region: str) -> None:
    refused(CODE, without(even(10), region), region)


def test_an_unknown_region_is_refused() -> None:
    refused(CODE, with_item(even(10), "frontal_pct", 10), "frontal_pct")


@given(scalps)
def test_any_scalp_scores_within_range(scalp: dict[str, float]) -> None:
    result = calculate(CODE, scalp)
    assert 0 <= result.score <= 100
    assert result.score == round(result.score, 2)
    assert result.band in CLASSES


@given(percents)
def test_even_loss_scores_that_percent(percent: float) -> None:
    """Rounding to hundredths moves a score by at most half a hundredth (plus float noise)."""
    assert calculate(CODE, even(percent)).score == pytest.approx(percent, abs=0.005 + 1e-9)


@given(scalps, st.sampled_from(REGIONS), st.floats(0, 100, allow_nan=False))
def test_more_loss_in_a_region_never_lowers_the_score(
    scalp: dict[str, float], region: str, more: float
) -> None:
    worse = with_item(scalp, region, min(100.0, scalp[region] + more))
    before, after = calculate(CODE, scalp), calculate(CODE, worse)
    assert after.score >= before.score
    assert CLASSES.index(str(after.band)) >= CLASSES.index(str(before.band))
