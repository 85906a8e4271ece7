"""Hamilton-Norwood stage (hamilton1951, norwood1975): canonical labels I-VII, normalised."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from score_helpers import refused_with_allowed, worked_examples

from microneedling.scores import calculate
from microneedling.scores.norwood_hamilton import NorwoodHamiltonInput
from microneedling.scores.norwood_hamilton import calculate as norwood

CODE = "norwood_hamilton"
STAGES = {
    "I": 1,
    "II": 2,
    "IIa": 2,
    "III": 3,
    "IIIa": 3,
    "III vertex": 3,
    "IV": 4,
    "IVa": 4,
    "V": 5,
    "Va": 5,
    "VI": 6,
    "VII": 7,
}


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example(example: dict[str, Any]) -> None:
    result = norwood(NorwoodHamiltonInput.model_validate(example["input"]))
    assert (result.score, result.band) == (3, "IIIa")


@pytest.mark.parametrize(
    ("stage", "score"), [pytest.param(s, n, id=f"norwood1975-{s}") for s, n in STAGES.items()]
)
def test_each_canonical_stage_scores_its_number(stage: str, score: int) -> None:
    result = calculate(CODE, {"stage": stage})
    assert (result.score, result.band, result.range) == (score, stage, (1, 7))


@pytest.mark.parametrize(
    ("spelling", "band"),
    [
        ("  iiia ", "IIIa"),
        ("IIIA", "IIIa"),
        ("iv", "IV"),
        ("Va", "Va"),
        ("iii vertex", "III vertex"),
        ("III   Vertex", "III vertex"),
        ("III VERTEX", "III vertex"),
    ],
)
def test_spelling_is_normalised(spelling: str, band: str) -> None:
    assert calculate(CODE, {"stage": spelling}).band == band


@pytest.mark.parametrize(
    "stage", ["VIII", "Ia", "VIa", "IV vertex", "VIIa", "", "3", 3, None], ids=repr
)
def test_a_stage_that_does_not_exist_is_refused(stage: object) -> None:
    refused_with_allowed(CODE, {"stage": stage}, "stage", list(STAGES))


def test_the_stage_is_required() -> None:
    refused_with_allowed(CODE, {}, "stage", list(STAGES))


@given(
    st.sampled_from(list(STAGES)),
    st.lists(st.booleans(), min_size=12, max_size=12),
    st.sampled_from(["", " ", "\t"]),
)
def test_any_case_and_padding_of_a_stage_keeps_its_meaning(
    stage: str, upper: list[bool], padding: str
) -> None:
    numeral, _, rest = stage.partition(" ")
    numeral = "".join(c.lower() if low else c for c, low in zip(numeral, upper, strict=False))
    spelled = padding + numeral + (" " + rest.upper() if rest else "") + padding
    result = calculate(CODE, {"stage": spelled})
    assert (result.band, result.score) == (stage, STAGES[stage])
