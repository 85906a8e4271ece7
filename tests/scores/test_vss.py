"""Vancouver Scar Scale (sullivan1990), original version: four items, 0-13, no bands."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from score_helpers import refused, refused_with_allowed, with_item, without, worked_examples

from microneedling.scores import calculate
from microneedling.scores.vss import VssInput
from microneedling.scores.vss import calculate as vss

CODE = "vss"
TOPS = {"pigmentation": 2, "vascularity": 3, "pliability": 5, "height": 3}
NONE = dict.fromkeys(TOPS, 0)
ratings = st.fixed_dictionaries({key: st.integers(0, top) for key, top in TOPS.items()})


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_example(example: dict[str, Any]) -> None:
    result = vss(VssInput.model_validate(example["input"]))
    assert (result.score, result.band) == (6, None)


def test_minimum_and_maximum() -> None:
    assert calculate(CODE, NONE).score == 0
    result = calculate(CODE, TOPS)
    assert (result.score, result.band, result.range) == (13, None, (0, 13))


def test_mixed_pigmentation_of_modified_versions_is_refused() -> None:
    refused_with_allowed(CODE, with_item(NONE, "pigmentation", 3), "pigmentation", ["0", "1", "2"])


@pytest.mark.parametrize(
    ("item", "top"), [pytest.param(k, t, id=f"sullivan1990-{k}-max-{t}") for k, t in TOPS.items()]
)
def test_each_item_stops_at_its_maximum(item: str, top: int) -> None:
    assert calculate(CODE, with_item(NONE, item, top)).score == top
    refused_with_allowed(
        CODE, with_item(NONE, item, top + 1), item, [str(value) for value in range(top + 1)]
    )
    refused(CODE, with_item(NONE, item, -1), item)


@pytest.mark.parametrize("value", [True, 1.0, "1"], ids=repr)
def test_a_non_integer_item_is_refused(value: object) -> None:
    refused(CODE, with_item(NONE, "height", value), "height")


@pytest.mark.parametrize("item", TOPS)
def test_every_item_is_required(item: str) -> None:
    refused(CODE, without(NONE, item), item)


def test_an_unknown_item_is_refused() -> None:
    refused(CODE, with_item(NONE, "itching", 1), "itching")


@given(ratings)
def test_any_rating_scores_within_range(rating: dict[str, int]) -> None:
    result = calculate(CODE, rating)
    assert result.score == sum(rating.values())
    assert 0 <= result.score <= 13


@given(ratings, st.sampled_from(list(TOPS)))
def test_a_worse_item_never_lowers_the_score(rating: dict[str, int], item: str) -> None:
    if rating[item] == TOPS[item]:
        return
    before = calculate(CODE, rating).score
    assert calculate(CODE, with_item(rating, item, rating[item] + 1)).score == before + 1
