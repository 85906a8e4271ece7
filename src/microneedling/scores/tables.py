"""The shapes instruments share, driven by tables each instrument module declares.

- `Brackets`: a value per interval of a number (bands, count multipliers, area points),
  written in interval notation such as `"(41, 55]"` so a table reads like the paper.
- `Ordinal`: a categorical scale whose labels carry an ordinal score.
- `WeightedSum`: Σ weight × item over named items, in integer units (or `Decimal`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")
N = TypeVar("N", int, Decimal)

_INTERVAL = re.compile(
    r"^\s*([\[(])\s*(-?inf|-?\d+(?:\.\d+)?)\s*,\s*(-?inf|-?\d+(?:\.\d+)?)\s*([\])])\s*$"
)


@dataclass(frozen=True)
class Interval:
    """A real interval; an infinite end is always open."""

    low: float
    high: float
    low_closed: bool
    high_closed: bool

    @classmethod
    def parse(cls, text: str) -> Interval:
        """Read `[a, b]`, `(a, b]`, `[a, inf)` and the like."""
        match = _INTERVAL.match(text)
        if match is None:
            raise ValueError(f"not an interval: {text!r}")
        opening, low, high, closing = match.groups()
        return cls(float(low), float(high), opening == "[", closing == "]")

    def __contains__(self, value: float | Decimal) -> bool:
        """Exact for a `Decimal` too: it compares with the float limits without rounding."""
        above = value >= self.low if self.low_closed else value > self.low
        below = value <= self.high if self.high_closed else value < self.high
        return above and below


@dataclass(frozen=True)
class Brackets(Generic[T]):
    """Maps a number to the value of the one interval that contains it.

    `conventions` names the points whose bracket is a project convention rather than a published
    rule; `notes_for` returns their notes so that a result says when a convention decided it.
    """

    rows: tuple[tuple[T, Interval], ...]
    conventions: Mapping[float, str] = field(default_factory=dict)
    tolerance: float = 0.0

    @classmethod
    def of(
        cls,
        intervals: Mapping[T, str],
        conventions: Mapping[float, str] | None = None,
        tolerance: float = 0.0,
    ) -> Brackets[T]:
        """Build from `{value: "interval"}` in the order the paper gives them."""
        rows = tuple((value, Interval.parse(text)) for value, text in intervals.items())
        return cls(rows, dict(conventions or {}), tolerance)

    def find(self, number: float | Decimal) -> T | None:
        """The value of the first interval that contains `number`, or `None`."""
        for value, interval in self.rows:
            if number in interval:
                return value
        return None

    def lookup(self, number: float | Decimal) -> T:
        """Like `find`, for tables that cover their whole range: a gap is a bug, not an input."""
        value = self.find(number)
        if value is None:
            raise ValueError(f"{number} lies in none of the brackets")
        return value

    def notes_for(self, number: float) -> tuple[str, ...]:
        return tuple(
            note
            for point, note in self.conventions.items()
            if abs(number - point) <= self.tolerance
        )


@dataclass(frozen=True)
class Ordinal:
    """A categorical scale: each canonical label has an ordinal score (labels may share one)."""

    scores: Mapping[str, int]

    @classmethod
    def numbered(cls, *labels: str) -> Ordinal:
        """Labels in order, scored 1, 2, 3, …"""
        return cls({label: number for number, label in enumerate(labels, start=1)})

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.scores)

    def score_of(self, label: str) -> int:
        return self.scores[label]

    def label_of(self, score: int) -> str:
        """The first label with this score (the canonical one where several share it)."""
        for label, value in self.scores.items():
            if value == score:
                return label
        raise ValueError(f"no label has the score {score}")


@dataclass(frozen=True)
class WeightedSum:
    """Σ weight × item over named items; a plain sum has every weight 1.

    Decimal weights are written in integer units (tenths, percent) so that the sum is exact and
    the instrument divides once at the end.
    """

    weights: Mapping[str, int]

    @classmethod
    def plain(cls, *keys: str) -> WeightedSum:
        return cls(dict.fromkeys(keys, 1))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.weights)

    def parts(self, items: Mapping[str, N]) -> dict[str, N]:
        """Each item's weighted contribution."""
        return {key: items[key] * weight for key, weight in self.weights.items()}

    def total(self, items: Mapping[str, N]) -> N:
        contributions = iter(self.parts(items).values())
        total = next(contributions)
        for contribution in contributions:
            total += contribution
        return total


ROMAN_NUMERALS = Ordinal.numbered("I", "II", "III", "IV", "V", "VI")
