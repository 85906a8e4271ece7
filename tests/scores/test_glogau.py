"""Glogau photoaging classification (glogau1996): types I-IV; the age never changes the type."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from score_helpers import refused, refused_with_allowed, worked_examples

from microneedling.scores import calculate
from microneedling.scores.glogau import GlogauInput
from microneedling.scores.glogau import calculate as glogau

CODE = "glogau"
TYPES = ["I", "II", "III", "IV"]


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example(example: dict[str, Any]) -> None:
    result = glogau(GlogauInput.model_validate(example["input"]))
    assert (result.score, result.band, result.warnings) == (2, "II", ())


@pytest.mark.parametrize(
    ("photoaging_type", "score"),
    [
        pytest.param(label, number, id=f"glogau1996-{label}")
        for number, label in enumerate(TYPES, 1)
    ],
)
def test_each_type_is_its_ordinal(photoaging_type: str, score: int) -> None:
    result = calculate(CODE, {"photoaging_type": photoaging_type})
    assert (result.score, result.band, result.range) == (score, photoaging_type, (1, 4))


def test_an_age_far_from_the_typical_one_warns_but_keeps_the_type() -> None:
    result = calculate(CODE, {"photoaging_type": "I", "age_years": 75})
    assert (result.score, result.band) == (1, "I")
    assert result.warnings and "75" in result.warnings[0]


@given(st.sampled_from(TYPES), st.integers(0, 130))
def test_the_age_never_sets_or_changes_the_type(photoaging_type: str, age_years: int) -> None:
    with_age = calculate(CODE, {"photoaging_type": photoaging_type, "age_years": age_years})
    without_age = calculate(CODE, {"photoaging_type": photoaging_type})
    assert (with_age.score, with_age.band) == (without_age.score, without_age.band)


@pytest.mark.parametrize("value", ["V", "ii", "2", 2, "", None], ids=repr)
def test_an_unknown_type_is_refused(value: object) -> None:
    refused_with_allowed(CODE, {"photoaging_type": value}, "photoaging_type", TYPES)


@pytest.mark.parametrize("age", [-1, 42.0, True, "42"], ids=repr)
def test_a_bad_age_is_refused(age: object) -> None:
    refused(CODE, {"photoaging_type": "II", "age_years": age}, "age_years")


def test_the_type_is_required() -> None:
    refused_with_allowed(CODE, {"age_years": 42}, "photoaging_type", TYPES)
