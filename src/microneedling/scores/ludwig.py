"""Ludwig female pattern hair loss grade: diffuse crown thinning, grades I-III.

Source: Ludwig E, Br J Dermatol 1977;97(3):247-254 (`ludwig1977`). Later sub-grades (Savin,
Sinclair, Olsen) are not part of this instrument.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import ROMAN_NUMERALS


class LudwigInput(ScoreInput):
    grade: Literal["I", "II", "III"] = Field(
        description="I noticeable crown thinning; II marked thinning; III near-total loss "
        "(frontal hairline preserved)"
    )


def calculate(answers: LudwigInput) -> ScoreResult:
    """The grade as an ordinal 1-3 (Ludwig 1977)."""
    return INSTRUMENT.result(ROMAN_NUMERALS.score_of(answers.grade), answers.grade)


INSTRUMENT = Instrument(
    code="ludwig",
    name="Ludwig female pattern hair loss grade",
    score_range=(1, 3),
    references=("ludwig1977",),
    input_type=LudwigInput,
    calculate=calculate,
)
