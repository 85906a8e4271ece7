"""mMASI (pandya2011; bands rodrigues2016): MASI without homogeneity, 0-24, mild/moderate/severe."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from score_helpers import refused, with_item, worked_examples

from microneedling.scores import calculate
from microneedling.scores.mmasi import MmasiInput
from microneedling.scores.mmasi import calculate as mmasi

CODE = "mmasi"
REGIONS = ("forehead", "right_malar", "left_malar", "chin")
CLEAR = {"area": 0, "darkness": 0}
NONE = dict.fromkeys(REGIONS, CLEAR)
SEVERITY = {"mild": 1, "moderate": 2, "severe": 3}
faces = st.fixed_dictionaries(
    dict.fromkeys(
        REGIONS, st.fixed_dictionaries({"area": st.integers(0, 6), "darkness": st.integers(0, 4)})
    )
)


def face(**regions: tuple[int, int]) -> dict[str, Any]:
    """Regions given as (area, darkness); the others clear."""
    return {
        **NONE,
        **{name: {"area": area, "darkness": dark} for name, (area, dark) in regions.items()},
    }


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example(example: dict[str, Any]) -> None:
    result = mmasi(MmasiInput.model_validate(example["input"]))
    assert (result.score, result.band) == (5.8, "moderate")


@pytest.mark.parametrize(
    ("data", "score", "band"),
    [
        pytest.param(face(chin=(1, 1)), 0.1, "mild", id="rodrigues2016-0.1-mild"),
        pytest.param(face(forehead=(5, 2), chin=(1, 1)), 3.1, "mild", id="rodrigues2016-3.1-mild"),
        pytest.param(
            face(forehead=(5, 2), right_malar=(1, 1)),
            3.3,
            "moderate",
            id="rodrigues2016-3.3-moderate",
        ),
        pytest.param(
            face(forehead=(6, 2), right_malar=(5, 2), chin=(1, 1)),
            6.7,
            "moderate",
            id="rodrigues2016-6.7-moderate",
        ),
        pytest.param(
            face(forehead=(6, 2), right_malar=(5, 2), left_malar=(1, 1)),
            6.9,
            "severe",
            id="rodrigues2016-6.9-severe",
        ),
        pytest.param(
            {region: {"area": 6, "darkness": 4} for region in REGIONS},
            24,
            "severe",
            id="pandya2011-24-max",
        ),
    ],
)
def test_bands_away_from_the_unconfirmed_limits(
    data: dict[str, Any], score: float, band: str
) -> None:
    result = calculate(CODE, data)
    assert (result.score, result.band, result.range) == (score, band, (0, 24))


def test_minimum_scores_zero() -> None:
    assert calculate(CODE, NONE).score == 0


def test_homogeneity_is_an_unknown_key() -> None:
    data = with_item(NONE, "forehead", {"area": 2, "darkness": 2, "homogeneity": 1})
    refused(CODE, data, "forehead.homogeneity")


@pytest.mark.parametrize(("key", "value"), [("area", 7), ("darkness", 5), ("darkness", True)])
def test_a_bad_region_item_is_refused(key: str, value: object) -> None:
    refused(CODE, with_item(NONE, "left_malar", with_item(CLEAR, key, value)), f"left_malar.{key}")


@given(faces)
def test_any_assessment_scores_within_range(data: dict[str, Any]) -> None:
    result = calculate(CODE, data)
    assert 0 <= result.score <= 24
    if 0 < result.score < 3.2:
        assert result.band == "mild"
    if result.score > 6.8:
        assert result.band == "severe"


@given(faces, st.sampled_from(REGIONS), st.sampled_from(["area", "darkness"]))
def test_a_worse_item_never_lowers_score_or_band(
    data: dict[str, Any], region: str, key: str
) -> None:
    top = 6 if key == "area" else 4
    if data[region][key] == top:
        return
    worse = with_item(data, region, with_item(data[region], key, data[region][key] + 1))
    before, after = calculate(CODE, data), calculate(CODE, worse)
    assert after.score >= before.score
    if before.score > 0:
        assert SEVERITY[str(after.band)] >= SEVERITY[str(before.band)]


@pytest.mark.parametrize(
    ("regions", "score"),
    [
        pytest.param({"forehead": (2, 4), "chin": (2, 4)}, 3.2, id="rodrigues2016-3.2"),
        pytest.param({"forehead": (4, 4), "chin": (5, 4)}, 6.8, id="rodrigues2016-6.8"),
    ],
)
def test_a_score_on_a_limit_says_its_band_is_a_convention(
    regions: dict[str, tuple[int, int]], score: float
) -> None:
    """scores.md reads Rodrigues 2016 as 'moderate 3.2 to 6.8 inclusive' but leaves the letter's
    table unchecked, so a score exactly on a limit carries a note saying so."""
    result = calculate(CODE, face(**regions))
    assert result.score == score
    assert any("not yet checked" in note for note in result.warnings)


@pytest.mark.parametrize(
    "regions",
    [
        pytest.param({"forehead": (1, 1), "chin": (1, 1)}, id="0.4"),
        pytest.param({"forehead": (4, 4), "chin": (3, 4)}, id="6.0"),
        pytest.param({"forehead": (6, 4)}, id="7.2"),
    ],
)
def test_a_score_off_the_limits_carries_no_convention_note(
    regions: dict[str, tuple[int, int]],
) -> None:
    assert calculate(CODE, face(**regions)).warnings == ()
