"""Patient and Observer Scar Assessment Scale (POSAS) v2.0: one part per result, 6-60.

Source: Draaijers LJ et al., Plast Reconstr Surg 2004;113(7):1960-1965 (`draaijers2004`);
version 2.0 adds "surface area" to the observer part. POSAS 3.0 is a different instrument.
The overall opinion is recorded and never added to the total.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from microneedling.errors import InputError
from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import WeightedSum

Rating = Annotated[int, Field(ge=1, le=10)]
RATING_HELP = "1 like normal skin … 10 worst imaginable"
OPINION_HELP = "optional overall opinion, 1-10; recorded, never added to the total"


class ObserverScale(ScoreInput):
    """OSAS: the observer's six ratings (the v2.0 descriptive categories are notes, not scored)."""

    part: Literal["observer"]
    vascularity: Rating = Field(description=RATING_HELP)
    pigmentation: Rating = Field(description=RATING_HELP)
    thickness: Rating = Field(description=RATING_HELP)
    relief: Rating = Field(description=RATING_HELP)
    pliability: Rating = Field(description=RATING_HELP)
    surface_area: Rating = Field(description=RATING_HELP)
    overall_opinion: Rating | None = Field(default=None, description=OPINION_HELP)


class PatientScale(ScoreInput):
    """PSAS: the patient's six ratings, each against their normal skin over the past weeks."""

    part: Literal["patient"]
    pain: Rating = Field(description=RATING_HELP)
    itching: Rating = Field(description=RATING_HELP)
    color: Rating = Field(description=RATING_HELP)
    stiffness: Rating = Field(description=RATING_HELP)
    thickness: Rating = Field(description=RATING_HELP)
    irregularity: Rating = Field(description=RATING_HELP)
    overall_opinion: Rating | None = Field(default=None, description=OPINION_HELP)


PosasInput = Annotated[ObserverScale | PatientScale, Field(discriminator="part")]

_NOT_ITEMS = ("part", "overall_opinion")
ITEMS = {
    "observer": WeightedSum.plain(*(k for k in ObserverScale.model_fields if k not in _NOT_ITEMS)),
    "patient": WeightedSum.plain(*(k for k in PatientScale.model_fields if k not in _NOT_ITEMS)),
}


def calculate(answers: ObserverScale | PatientScale) -> ScoreResult:
    """The sum of the part's six items (Draaijers 2004, v2.0); no bands are published."""
    score = ITEMS[answers.part].total(answers.model_dump())
    return INSTRUMENT.result(
        score, None, part=answers.part, overall_opinion=answers.overall_opinion
    )


def combined_total(observer: ScoreResult, patient: ScoreResult) -> int:
    """OSAS + PSAS (12-120), as some studies report it; never a result's `score`."""
    for result, part in ((observer, "observer"), (patient, "patient")):
        if result.instrument != INSTRUMENT.code or result.part != part:
            raise InputError.one(part, f"expected the POSAS {part} result", allowed=(part,))
    return int(observer.score) + int(patient.score)


INSTRUMENT = Instrument(
    code="posas",
    name="Patient and Observer Scar Assessment Scale v2.0",
    score_range=(6, 60),
    references=("draaijers2004",),
    input_type=PosasInput,
    calculate=calculate,
)
