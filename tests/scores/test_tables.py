"""The shared table shapes: intervals, brackets, ordinal scales and weighted sums."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microneedling.scores.tables import Brackets, Interval, Ordinal, WeightedSum


@pytest.mark.parametrize(
    ("text", "inside", "outside"),
    [
        ("[0, 6]", [0, 3, 6], [-1, 6.5]),
        ("(41, 55]", [41.001, 55], [41, 55.001]),
        ("[25, 50)", [25, 49.99], [24.99, 50]),
        ("(20, inf)", [20.01, 1e9], [20]),
        ("[-90, -30]", [-90, -30], [-29.9, -90.1]),
    ],
)
def test_intervals_read_like_the_papers(
    text: str, inside: list[float], outside: list[float]
) -> None:
    interval = Interval.parse(text)
    assert all(value in interval for value in inside)
    assert not any(value in interval for value in outside)


@pytest.mark.parametrize("text", ["0, 6", "[6]", "[a, b]", "{0, 1}"])
def test_a_malformed_interval_is_a_programming_error(text: str) -> None:
    with pytest.raises(ValueError, match="not an interval"):
        Interval.parse(text)


def test_brackets_find_lookup_and_conventions() -> None:
    brackets = Brackets.of({"low": "[0, 10)", "high": "[10, 20]"}, conventions={10: "edge"})
    assert brackets.lookup(9.99) == "low"
    assert brackets.lookup(10) == "high"
    assert brackets.find(25) is None
    with pytest.raises(ValueError, match="none of the brackets"):
        brackets.lookup(25)
    assert brackets.notes_for(10) == ("edge",)
    assert brackets.notes_for(10.001) == ()


def test_convention_tolerance() -> None:
    brackets = Brackets.of({"a": "(-inf, inf)"}, conventions={55: "limit"}, tolerance=0.01)
    assert brackets.notes_for(55.009) == ("limit",)
    assert brackets.notes_for(55.02) == ()


def test_ordinal_scales() -> None:
    scale = Ordinal.numbered("none", "some", "much")
    assert [scale.score_of(label) for label in scale.labels] == [1, 2, 3]
    assert scale.label_of(2) == "some"
    shared = Ordinal({"III": 3, "IIIa": 3})
    assert shared.label_of(3) == "III"
    with pytest.raises(ValueError, match="no label"):
        shared.label_of(4)


def test_weighted_sum_parts_and_total() -> None:
    weights = WeightedSum({"a": 3, "b": 1})
    assert weights.parts({"a": 2, "b": 5, "ignored": 9}) == {"a": 6, "b": 5}
    assert weights.total({"a": 2, "b": 5}) == 11
    assert WeightedSum.plain("x", "y").total({"x": 1, "y": 2}) == 3


@given(st.lists(st.decimals(0, 100, places=2), min_size=3, max_size=3))
def test_weighted_sum_over_decimals_is_exact(values: list[Decimal]) -> None:
    weights = WeightedSum({"a": 40, "b": 24, "c": 18})
    items = dict(zip("abc", values, strict=True))
    assert weights.total(items) == 40 * values[0] + 24 * values[1] + 18 * values[2]
