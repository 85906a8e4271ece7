"""Goodman & Baron qualitative global acne-scar grade, 1-4.

Source: Goodman GJ, Baron JA, Dermatol Surg 2006;32(12):1458-1466 (`goodman2006`). The patient's
grade is the grade of the most severe scarring present.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import Ordinal

GRADES = Ordinal.numbered("macular", "mild", "moderate", "severe")


class GoodmanBaronQualitativeInput(ScoreInput):
    grades_present: Annotated[list[Annotated[int, Field(ge=1, le=4)]], Field(min_length=1)] = Field(
        description="the grade of each scar population seen: 1 macular, 2 mild, 3 moderate, "
        "4 severe (no scarring is not a grade of this instrument)"
    )


def calculate(answers: GoodmanBaronQualitativeInput) -> ScoreResult:
    """The most severe grade present and its label (Goodman & Baron 2006)."""
    grade = max(answers.grades_present)
    return INSTRUMENT.result(grade, GRADES.label_of(grade))


INSTRUMENT = Instrument(
    code="goodman_baron_qualitative",
    name="Goodman & Baron qualitative acne-scar grade",
    score_range=(1, 4),
    references=("goodman2006",),
    input_type=GoodmanBaronQualitativeInput,
    calculate=calculate,
)
