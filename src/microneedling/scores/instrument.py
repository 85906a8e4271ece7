"""An instrument: its identity, its input model, its calculator and how its change is read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from pydantic import TypeAdapter, ValidationError

from microneedling.errors import InputError
from microneedling.scores.result import Number, ScoreChange, ScoreResult
from microneedling.scores.schema import Schema, input_error
from microneedling.scores.score_input import ScoreInput


@dataclass(frozen=True)
class ChangeRule:
    """A published threshold for a clinically meaningful improvement between two results."""

    description: str
    references: tuple[str, ...]
    is_meaningful_improvement: Callable[[ScoreResult, ScoreResult], bool]


@dataclass(frozen=True)
class Instrument:
    """One validated scoring instrument (scores.md), keyed by `code` in the registry."""

    code: str
    name: str
    score_range: tuple[Number, Number]
    references: tuple[str, ...]
    input_type: Any
    calculate: Callable[[Any], ScoreResult]
    change_rule: ChangeRule | None = None
    rates_change: bool = False
    variant_ranges: Mapping[str, tuple[Number, Number]] = field(default_factory=dict)

    @cached_property
    def adapter(self) -> TypeAdapter[Any]:
        return TypeAdapter(self.input_type)

    @cached_property
    def input_schema(self) -> Schema:
        schema: Schema = self.adapter.json_schema()
        return schema

    def parse(self, data: object) -> Any:
        """Validate raw input (a JSON object, or the input model itself) or raise `InputError`."""
        try:
            return self.adapter.validate_python(data)
        except ValidationError as error:
            raise input_error(error, self.input_schema) from None

    def score(self, data: object) -> ScoreResult:
        """Validate the input and calculate the result."""
        return self.calculate(self.parse(data))

    def ensure_comparable(self) -> None:
        """Refuse to compare two results of an instrument that already rates change (GAIS)."""
        if self.rates_change:
            raise InputError.one(
                "code",
                f"{self.code} already rates the change from baseline; "
                "score a single rating instead of comparing two",
            )

    def result(self, score: Number, band: str | None, **extras: Any) -> ScoreResult:
        """Wrap a calculated score with this instrument's code, range and references."""
        extras.setdefault("range", self.score_range)
        return ScoreResult(
            instrument=self.code,
            score=score,
            band=band,
            references=self.references,
            **extras,
        )


def compare(instrument: Instrument, before: ScoreResult, after: ScoreResult) -> ScoreChange:
    """After − before, absolute and relative, and the published reading of it where one exists."""
    instrument.ensure_comparable()
    if before.part != after.part:
        raise InputError.one(
            "after.part",
            f"cannot compare a {before.part} assessment with a {after.part} one",
            allowed=(str(before.part),),
        )
    # Decimal keeps 5.8 − 10.1 at −4.3 rather than −4.299999999999999.
    before_exact = Decimal(str(before.score))
    difference = Decimal(str(after.score)) - before_exact
    absolute: Number = float(difference)
    if isinstance(before.score, int) and isinstance(after.score, int):
        absolute = after.score - before.score
    relative = None if before_exact == 0 else float(difference / before_exact * 100)
    rule = instrument.change_rule
    return ScoreChange(
        instrument=instrument.code,
        before=before,
        after=after,
        absolute_change=absolute,
        relative_change_pct=relative,
        clinically_meaningful_improvement=(
            rule.is_meaningful_improvement(before, after) if rule else None
        ),
        change_rule=rule.description if rule else None,
        range=before.range,
        references=(*instrument.references, *(rule.references if rule else ())),
    )


__all__ = ["ChangeRule", "Instrument", "ScoreInput", "compare"]  # ScoreInput: for instruments
