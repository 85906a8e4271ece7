"""MASI (kimbroughgreen1994): region weights 0.3/0.3/0.3/0.1 × area × (darkness + homogeneity)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from score_helpers import refused, refused_with_allowed, with_item, without, worked_examples

from microneedling.scores import calculate
from microneedling.scores.masi import MasiInput
from microneedling.scores.masi import calculate as masi

CODE = "masi"
REGIONS = ("forehead", "right_malar", "left_malar", "chin")
CLEAR = {"area": 0, "darkness": 0, "homogeneity": 0}
NONE = dict.fromkeys(REGIONS, CLEAR)
regions = st.fixed_dictionaries(
    {"area": st.integers(0, 6), "darkness": st.integers(0, 4), "homogeneity": st.integers(0, 4)}
)
faces = st.fixed_dictionaries(dict.fromkeys(REGIONS, regions))


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example(example: dict[str, Any]) -> None:
    result = masi(MasiInput.model_validate(example["input"]))
    assert (result.score, result.band) == (10.1, None)
    assert result.subscores == {"forehead": 1.8, "right_malar": 4.5, "left_malar": 3.6, "chin": 0.2}


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        pytest.param("forehead", 2.4, id="kimbroughgreen1994-forehead-0.3x2x4"),
        pytest.param("right_malar", 2.4, id="kimbroughgreen1994-right-malar-0.3x2x4"),
        pytest.param("left_malar", 2.4, id="kimbroughgreen1994-left-malar-0.3x2x4"),
        pytest.param("chin", 0.8, id="kimbroughgreen1994-chin-0.1x2x4"),
    ],
)
def test_region_weights_are_exact(region: str, expected: float) -> None:
    data = with_item(NONE, region, {"area": 2, "darkness": 2, "homogeneity": 2})
    assert calculate(CODE, data).score == expected  # not 2.3999999999999995


def test_a_region_with_no_area_adds_nothing_whatever_its_intensity() -> None:
    data = with_item(NONE, "forehead", {"area": 0, "darkness": 4, "homogeneity": 4})
    assert calculate(CODE, data).score == 0


def test_minimum_and_maximum() -> None:
    assert calculate(CODE, NONE).score == 0
    worst = {region: {"area": 6, "darkness": 4, "homogeneity": 4} for region in REGIONS}
    result = calculate(CODE, worst)
    assert (result.score, result.band, result.range) == (48, None, (0, 48))


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("area", 7, ["0", "1", "2", "3", "4", "5", "6"]),
        ("darkness", 5, ["0", "1", "2", "3", "4"]),
        ("homogeneity", -1, ["0", "1", "2", "3", "4"]),
        ("area", True, ["0", "1", "2", "3", "4", "5", "6"]),
        ("darkness", 2.0, ["0", "1", "2", "3", "4"]),
    ],
    ids=repr,
)
def test_a_bad_region_item_is_refused_by_its_path(
    key: str, value: object, allowed: list[str]
) -> None:
    data = with_item(NONE, "right_malar", with_item(CLEAR, key, value))
    refused_with_allowed(CODE, data, f"right_malar.{key}", allowed)


def test_a_missing_region_item_is_refused() -> None:
    refused(CODE, with_item(NONE, "chin", without(CLEAR, "homogeneity")), "chin.homogeneity")


@pytest.mark.parametrize("region", REGIONS)
def test_a_missing_region_is_refused(region: str) -> None:
    refused(CODE, without(NONE, region), region)


def test_unknown_keys_are_refused() -> None:
    refused(CODE, with_item(NONE, "nose", CLEAR), "nose")
    refused(CODE, with_item(NONE, "chin", with_item(CLEAR, "colour", 1)), "chin.colour")


@given(faces)
def test_any_assessment_scores_within_range_in_tenths(face: dict[str, Any]) -> None:
    result = calculate(CODE, face)
    assert 0 <= result.score <= 48
    assert result.band is None
    assert round(result.score * 10) == pytest.approx(result.score * 10, abs=1e-9)


@given(faces, st.sampled_from(REGIONS), st.sampled_from(["area", "darkness", "homogeneity"]))
def test_a_worse_item_never_lowers_the_score(face: dict[str, Any], region: str, key: str) -> None:
    top = 6 if key == "area" else 4
    if face[region][key] == top:
        return
    worse = with_item(face, region, with_item(face[region], key, face[region][key] + 1))
    assert calculate(CODE, worse).score >= calculate(CODE, face).score
