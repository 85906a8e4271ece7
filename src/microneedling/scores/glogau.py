"""Glogau photoaging classification: a clinician's categorical grade, types I-IV.

Source: Glogau RG, Semin Cutan Med Surg 1996;15(3):134-138 (`glogau1996`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import ROMAN_NUMERALS

PhotoagingType = Literal["I", "II", "III", "IV"]

# The ages the paper calls typical for each type ("20s-30s", "late 30s-40s", "50s and older",
# "60s-70s"); they describe, they never decide.
TYPICAL_AGE_YEARS: dict[str, tuple[int, int | None]] = {
    "I": (20, 39),
    "II": (35, 49),
    "III": (50, None),
    "IV": (60, 79),
}


class GlogauInput(ScoreInput):
    photoaging_type: PhotoagingType = Field(
        description="I no wrinkles; II wrinkles in motion; III wrinkles at rest; IV only wrinkles"
    )
    age_years: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="optional; never changes the type, may add a warning"
    )


def calculate(answers: GlogauInput) -> ScoreResult:
    """The type as an ordinal 1-4 (Glogau 1996); an age outside the typical range only warns."""
    label = answers.photoaging_type
    return INSTRUMENT.result(
        ROMAN_NUMERALS.score_of(label), label, warnings=_age_warnings(label, answers.age_years)
    )


def _age_warnings(label: str, age_years: int | None) -> tuple[str, ...]:
    if age_years is None:
        return ()
    youngest, oldest = TYPICAL_AGE_YEARS[label]
    if age_years >= youngest and (oldest is None or age_years <= oldest):
        return ()
    typical = f"{youngest}+" if oldest is None else f"{youngest}-{oldest}"
    return (
        f"age {age_years} is outside the typical age ({typical}) for type {label}; "
        "the type is kept as graded",
    )


INSTRUMENT = Instrument(
    code="glogau",
    name="Glogau photoaging classification",
    score_range=(1, 4),
    references=("glogau1996",),
    input_type=GlogauInput,
    calculate=calculate,
)
