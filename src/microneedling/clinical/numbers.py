"""Numbers that remember their knowledge-base row, so every planned value can be traced."""

from __future__ import annotations

from dataclasses import dataclass

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
        return cls(value, row, tuple(sourced.evidence), tuple(sourced.references))

    def source(self) -> Source:
        return Source(row=self.row, evidence=list(self.evidence), references=list(self.references))


def lowest(*numbers: Num) -> Num:
    """The smallest number; on a tie the first wins (the more specific row comes first)."""
    return min(numbers, key=lambda number: number.value)


def highest(*numbers: Num) -> Num:
    return max(numbers, key=lambda number: number.value)
