"""Global Acne Grading System (GAGS), 0-44, with four severity bands.

Source: Doshi A, Zaheer A, Stiller MJ, Int J Dermatol 1997;36(6):416-418 (`doshi1997`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import Brackets, WeightedSum

Lesion = Annotated[int, Field(ge=0, le=4)]
LESION_HELP = "most severe lesion: 0 none, 1 comedones, 2 papules, 3 pustules, 4 nodules"


class GagsInput(ScoreInput):
    """The grade of the most severe lesion at each of the six locations."""

    forehead: Lesion = Field(description=f"forehead (factor 2); {LESION_HELP}")
    right_cheek: Lesion = Field(description=f"right cheek (factor 2); {LESION_HELP}")
    left_cheek: Lesion = Field(description=f"left cheek (factor 2); {LESION_HELP}")
    nose: Lesion = Field(description=f"nose (factor 1); {LESION_HELP}")
    chin: Lesion = Field(description=f"chin (factor 1); {LESION_HELP}")
    chest_upper_back: Lesion = Field(
        description=f"chest and upper back, one location (factor 3); {LESION_HELP}"
    )


FACTORS = WeightedSum(
    {
        "forehead": 2,
        "right_cheek": 2,
        "left_cheek": 2,
        "nose": 1,
        "chin": 1,
        "chest_upper_back": 3,
    }
)
BANDS = Brackets.of(
    {
        "none": "[0, 0]",
        "mild": "[1, 18]",
        "moderate": "[19, 30]",
        "severe": "[31, 38]",
        "very_severe": "[39, 44]",
    },
    conventions={
        0: "band 'none' for a score of 0 is a project convention; the paper has no band for 0",
        39: "the paper prints the top band as '> 39'; 39 is read as very_severe by the usual "
        "reading (≥ 39)",
    },
)


def calculate(answers: GagsInput) -> ScoreResult:
    """Σ factor × lesion grade and its severity band (Doshi 1997)."""
    grades = answers.model_dump()
    score = FACTORS.total(grades)
    return INSTRUMENT.result(
        score,
        BANDS.lookup(score),
        subscores=FACTORS.parts(grades),
        warnings=BANDS.notes_for(score),
    )


INSTRUMENT = Instrument(
    code="gags",
    name="Global Acne Grading System",
    score_range=(0, 44),
    references=("doshi1997",),
    input_type=GagsInput,
    calculate=calculate,
)
