"""GAIS (narins2003): a rating of change, five-point (1 = best) or signed (-1…+3)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from score_helpers import refused, refused_with_allowed, worked_examples

from microneedling.errors import InputError
from microneedling.scores import calculate, change
from microneedling.scores.gais import FivePointRating, SignedRating
from microneedling.scores.gais import calculate as gais

CODE = "gais"
# (five-point rating, signed rating, band, responded) per row of the scores.md table.
TABLE = [
    (1, 3, "very_much_improved", True),
    (2, 2, "much_improved", True),
    (3, 1, "improved", True),
    (4, 0, "no_change", False),
    (5, -1, "worse", False),
]


@pytest.mark.parametrize("example", worked_examples(CODE))
def test_worked_examples(example: dict[str, Any]) -> None:
    result = calculate(CODE, example["input"])
    assert (result.score, result.band) == (2, "much_improved")


def test_the_models_work_directly() -> None:
    assert gais(FivePointRating(scale="five_point", rating=5)).band == "worse"
    assert gais(SignedRating(scale="signed", rating=-1)).band == "worse"


@pytest.mark.parametrize(
    ("five_point", "signed", "band", "responded"),
    [pytest.param(*row, id=f"narins2003-{row[2]}") for row in TABLE],
)
def test_both_scales_give_the_same_band_and_keep_their_rating(
    five_point: int, signed: int, band: str, responded: bool
) -> None:
    on_five = calculate(CODE, {"scale": "five_point", "rating": five_point})
    on_signed = calculate(CODE, {"scale": "signed", "rating": signed})
    assert (on_five.score, on_five.band, on_five.responded) == (five_point, band, responded)
    assert (on_signed.score, on_signed.band, on_signed.responded) == (signed, band, responded)
    assert on_five.range == (1, 5)
    assert on_signed.range == (-1, 3)
    assert (on_five.scale, on_signed.scale) == ("five_point", "signed")


@given(st.integers(-1, 3))
def test_five_point_is_four_minus_signed(signed: int) -> None:
    on_signed = calculate(CODE, {"scale": "signed", "rating": signed})
    on_five = calculate(CODE, {"scale": "five_point", "rating": 4 - signed})
    assert on_signed.band == on_five.band
    assert on_signed.responded == on_five.responded


@pytest.mark.parametrize(
    ("scale", "rating", "allowed"),
    [
        ("five_point", 0, ["1", "2", "3", "4", "5"]),
        ("five_point", 6, ["1", "2", "3", "4", "5"]),
        ("signed", 4, ["-1", "0", "1", "2", "3"]),
        ("signed", -2, ["-1", "0", "1", "2", "3"]),
    ],
)
def test_a_rating_outside_its_scale_is_refused(scale: str, rating: int, allowed: list[str]) -> None:
    refused_with_allowed(CODE, {"scale": scale, "rating": rating}, "rating", allowed)


@pytest.mark.parametrize("rating", [True, 2.0, "2", None], ids=repr)
def test_a_non_integer_rating_is_refused(rating: object) -> None:
    refused(CODE, {"scale": "five_point", "rating": rating}, "rating")


@pytest.mark.parametrize("data", [{"rating": 2}, {"scale": "seven_point", "rating": 2}], ids=repr)
def test_the_scale_must_be_named(data: dict[str, Any]) -> None:
    refused_with_allowed(CODE, data, "scale", ["five_point", "signed"])


def test_the_rating_is_required() -> None:
    refused(CODE, {"scale": "signed"}, "rating")


def test_it_already_rates_change_so_it_cannot_be_compared() -> None:
    rating = {"scale": "five_point", "rating": 2}
    with pytest.raises(InputError, match="already rates the change"):
        change(CODE, rating, rating)
