"""Wrinkle Severity Rating Scale (WSRS) for one nasolabial fold, grades 1-5.

Source: Day DJ et al., Am J Clin Dermatol 2004;5(1):49-52 (`day2004`). Each side is graded
separately; one result is one side.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import Ordinal

GRADES = Ordinal.numbered("absent", "mild", "moderate", "severe", "extreme")


class WrinkleSeverityInput(ScoreInput):
    grade: Annotated[int, Field(ge=1, le=5)] = Field(
        description="1 absent, 2 mild, 3 moderate, 4 severe, 5 extreme (one nasolabial fold)"
    )


def calculate(answers: WrinkleSeverityInput) -> ScoreResult:
    """The grade and its label (Day 2004)."""
    return INSTRUMENT.result(answers.grade, GRADES.label_of(answers.grade))


INSTRUMENT = Instrument(
    code="wrinkle_severity_rating_scale",
    name="Wrinkle Severity Rating Scale (nasolabial fold)",
    score_range=(1, 5),
    references=("day2004",),
    input_type=WrinkleSeverityInput,
    calculate=calculate,
)
