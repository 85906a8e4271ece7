"""POSAS v2.0 (draaijers2004): one part per result, six items 1-10, 6-60; opinion never added."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from score_helpers import refused, refused_with_allowed, with_item, without, worked_examples

from microneedling.errors import InputError
from microneedling.scores import calculate, change
from microneedling.scores.posas import ObserverScale, combined_total
from microneedling.scores.posas import calculate as posas

CODE = "posas"
OBSERVER = ("vascularity", "pigmentation", "thickness", "relief", "pliability", "surface_area")
PATIENT = ("pain", "itching", "color", "stiffness", "thickness", "irregularity")
PARTS = {"observer": OBSERVER, "patient": PATIENT}
TEN = [str(value) for value in range(1, 11)]


def scale(part: str, value: int = 1, **items: object) -> dict[str, Any]:
    return {"part": part, **dict.fromkeys(PARTS[part], value), **items}


def assessments(part: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"part": st.just(part), **{key: st.integers(1, 10) for key in PARTS[part]}},
        optional={"overall_opinion": st.integers(1, 10)},
    )


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example_does_not_add_the_overall_opinion(example: dict[str, Any]) -> None:
    result = posas(ObserverScale.model_validate(example["input"]))
    assert (result.score, result.band, result.part, result.overall_opinion) == (
        16,
        None,
        "observer",
        4,
    )


@pytest.mark.parametrize("part", PARTS)
def test_minimum_and_maximum_per_part(part: str) -> None:
    assert calculate(CODE, scale(part, 1)).score == 6
    result = calculate(CODE, scale(part, 10))
    assert (result.score, result.band, result.range, result.part) == (60, None, (6, 60), part)


def test_the_patient_part_sums_its_own_items() -> None:
    data = scale("patient", 1, pain=7, itching=3, color=5)
    assert calculate(CODE, data).score == 7 + 3 + 5 + 3


def test_an_item_of_the_other_part_is_an_unknown_key() -> None:
    problem = refused(CODE, with_item(scale("observer"), "pain", 3), "pain")
    assert "surface_area" in problem.allowed
    refused(CODE, with_item(scale("patient"), "relief", 3), "relief")


@pytest.mark.parametrize("part", PARTS)
def test_a_missing_item_is_refused(part: str) -> None:
    refused_with_allowed(CODE, without(scale(part), PARTS[part][0]), PARTS[part][0], TEN)


@pytest.mark.parametrize("value", [0, 11, True, 5.0, "5"], ids=repr)
def test_a_bad_rating_is_refused(value: object) -> None:
    refused(CODE, scale("observer", 5, relief=value), "relief")


@pytest.mark.parametrize("value", [0, 11, True])
def test_a_bad_overall_opinion_is_refused(value: object) -> None:
    refused(CODE, with_item(scale("patient"), "overall_opinion", value), "overall_opinion")


@pytest.mark.parametrize("data", [{"pain": 2}, {"part": "both", "pain": 2}], ids=repr)
def test_the_part_must_be_named(data: dict[str, Any]) -> None:
    refused_with_allowed(CODE, data, "part", ["observer", "patient"])


@pytest.mark.parametrize("part", PARTS)
@given(data=st.data())
def test_any_assessment_scores_within_range(part: str, data: st.DataObject) -> None:
    assessment = data.draw(assessments(part))
    result = calculate(CODE, assessment)
    assert 6 <= result.score <= 60
    assert result.score == sum(assessment[key] for key in PARTS[part])


@given(assessments("observer"), st.integers(1, 10))
def test_the_overall_opinion_never_changes_the_score(
    assessment: dict[str, Any], opinion: int
) -> None:
    with_opinion = calculate(CODE, with_item(assessment, "overall_opinion", opinion))
    assert with_opinion.score == calculate(CODE, without(assessment, "overall_opinion")).score
    assert with_opinion.overall_opinion == opinion


@given(assessments("patient"), st.sampled_from(PATIENT))
def test_a_worse_item_never_lowers_the_score(assessment: dict[str, Any], item: str) -> None:
    if assessment[item] == 10:
        return
    before = calculate(CODE, assessment).score
    assert calculate(CODE, with_item(assessment, item, assessment[item] + 1)).score == before + 1


def test_combined_total_adds_the_two_parts() -> None:
    observer = calculate(CODE, scale("observer", 2))
    patient = calculate(CODE, scale("patient", 3))
    assert combined_total(observer, patient) == 12 + 18
    with pytest.raises(InputError):
        combined_total(patient, observer)


def test_only_the_same_part_can_be_compared() -> None:
    compared = change(CODE, scale("observer", 4), scale("observer", 2))
    assert compared.absolute_change == -12
    with pytest.raises(InputError) as caught:
        change(CODE, scale("observer", 4), scale("patient", 2))
    assert caught.value.problems[0].field == "after.part"
