"""Global Aesthetic Improvement Scale (GAIS): a rating of change from baseline.

Source: Narins RS et al., Dermatol Surg 2003;29(6):588-595 (`narins2003`), the 5-point version
(1 = best). The signed -1…+3 version of later trials runs the other way: five_point = 4 − signed.
The score is the rating exactly as given; `responded` (improved or better) is derived from it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import Ordinal

FIVE_POINT = Ordinal.numbered(
    "very_much_improved", "much_improved", "improved", "no_change", "worse"
)
SIGNED_OFFSET = 4
RESPONDER_AT_WORST = "improved"


class FivePointRating(ScoreInput):
    scale: Literal["five_point"]
    rating: Annotated[int, Field(ge=1, le=5)] = Field(
        description="1 very much improved, 2 much improved, 3 improved, 4 no change, 5 worse"
    )


class SignedRating(ScoreInput):
    scale: Literal["signed"]
    rating: Annotated[int, Field(ge=-1, le=3)] = Field(
        description="3 very much improved, 2 much improved, 1 improved, 0 no change, -1 worse"
    )


GaisInput = Annotated[FivePointRating | SignedRating, Field(discriminator="scale")]
RANGES = {"five_point": (1, 5), "signed": (-1, 3)}


def calculate(answers: FivePointRating | SignedRating) -> ScoreResult:
    """The rating as given, its label, and whether the client responded (Narins 2003)."""
    five_point = answers.rating if answers.scale == "five_point" else SIGNED_OFFSET - answers.rating
    return INSTRUMENT.result(
        answers.rating,
        FIVE_POINT.label_of(five_point),
        range=RANGES[answers.scale],
        scale=answers.scale,
        responded=five_point <= FIVE_POINT.score_of(RESPONDER_AT_WORST),
    )


INSTRUMENT = Instrument(
    code="gais",
    name="Global Aesthetic Improvement Scale",
    score_range=RANGES["five_point"],
    references=("narins2003",),
    input_type=GaisInput,
    calculate=calculate,
    rates_change=True,
    variant_ranges=RANGES,
)
