"""Numbers that remember their knowledge-base row, so every planned value can be traced."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from microneedling.clinical.models import Source
from microneedling.knowledge.models import Evidence, Sourced


@dataclass(frozen=True)
class Num:
    """A planned number with the row key it came from and that row's evidence and references."""

    value: float
    row: str
    evidence: tuple[Evidence, ...]
    references: tuple[str, ...]

    @classmethod
    def of(cls, value: float, row: str, sourced: Sourced) -> Num:
        key = (value, row, id(sourced))
        cached = _NUMBERS.get(key)
        if cached is not None and cached[0] is sourced:
            return cached[1]
        number = cls(value, row, tuple(sourced.evidence), tuple(sourced.references))
        _NUMBERS[key] = (sourced, number)  # holding the row keeps its id from being reused
        return number

    def source(self) -> Source:
        return _source(self)


_NUMBERS: dict[tuple[float, str, int], tuple[Sourced, Num]] = {}


@cache
def _source(number: Num) -> Source:
    """Sources are immutable, so one per knowledge-base number is shared by every plan."""
    return Source(
        row=number.row, evidence=list(number.evidence), references=list(number.references)
    )


def lowest(*numbers: Num) -> Num:
    """The smallest number; on a tie the first wins (the more specific row comes first)."""
    return min(numbers, key=lambda number: number.value)


def highest(*numbers: Num) -> Num:
    return max(numbers, key=lambda number: number.value)
