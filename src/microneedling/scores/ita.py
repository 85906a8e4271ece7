"""Individual Typology Angle (ITA°): a skin-colour class from CIELAB L* and b*.

Sources: Chardon A, Cretois I, Hourseau C, Int J Cosmet Sci 1991;13(4):191-208 (`chardon1991`);
the "dark" class below -30° from Del Bino S et al., Pigment Cell Res 2006;19(6):606-614
(`delbino2006`).
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import Brackets

NO_ANGLE_L_STAR = 50
TOLERANCE_DEGREES = 0.01
_LIMIT_CONVENTION = (
    "ITA° {}° is within 0.01° of a class limit; the sources do not say which class owns the "
    "limit (project convention: the class below)"
)
CLASSES = Brackets.of(
    {
        "very_light": "(55, 90]",
        "light": "(41, 55]",
        "intermediate": "(28, 41]",
        "tan": "(10, 28]",
        "brown": "(-30, 10]",
        "dark": "[-90, -30]",
    },
    conventions={limit: _LIMIT_CONVENTION.format(limit) for limit in (55, 41, 28, 10, -30)},
    tolerance=TOLERANCE_DEGREES,
)


class ItaInput(ScoreInput):
    l_star: Annotated[float, Field(ge=0, le=100)] = Field(description="CIELAB lightness L*, 0-100")
    b_star: Annotated[float, Field(ge=0)] = Field(
        description="CIELAB yellow-blue b*, ≥ 0 (a bluish b* < 0 is outside skin colour space)"
    )

    @field_validator("b_star")
    @classmethod
    def _has_an_angle(cls, b_star: float, info: ValidationInfo) -> float:
        if b_star == 0 and info.data.get("l_star") == NO_ANGLE_L_STAR:
            raise ValueError("with L* = 50 a b* of 0 has no angle; b_star must be > 0")
        return b_star


def ita_degrees(l_star: float, b_star: float) -> float:
    """arctan((L* − 50) / b*) in degrees; atan2 gives the ±90° limit when b* = 0."""
    return math.degrees(math.atan2(l_star - NO_ANGLE_L_STAR, b_star))


def calculate(answers: ItaInput) -> ScoreResult:
    """ITA° unrounded, in [-90°, 90°], and its skin-colour class (Chardon 1991, Del Bino 2006)."""
    angle = ita_degrees(answers.l_star, answers.b_star)
    return INSTRUMENT.result(angle, CLASSES.lookup(angle), warnings=CLASSES.notes_for(angle))


INSTRUMENT = Instrument(
    code="ita",
    name="Individual Typology Angle",
    score_range=(-90, 90),
    references=("chardon1991", "delbino2006"),
    input_type=ItaInput,
    calculate=calculate,
)
