"""Vancouver Scar Scale (VSS), original version: four items, 0-13, no bands.

Source: Sullivan T et al., J Burn Care Rehabil 1990;11(3):256-260 (`sullivan1990`). Modified
versions that add "mixed" pigmentation are a different instrument, so pigmentation 3 is rejected.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import WeightedSum


class VssInput(ScoreInput):
    pigmentation: Annotated[int, Field(ge=0, le=2)] = Field(
        description="0 normal, 1 hypopigmented, 2 hyperpigmented"
    )
    vascularity: Annotated[int, Field(ge=0, le=3)] = Field(
        description="0 normal, 1 pink, 2 red, 3 purple"
    )
    pliability: Annotated[int, Field(ge=0, le=5)] = Field(
        description="0 normal, 1 supple, 2 yielding, 3 firm, 4 banding, 5 contracture"
    )
    height: Annotated[int, Field(ge=0, le=3)] = Field(
        description="0 flat, 1 < 2 mm, 2 2-5 mm, 3 > 5 mm"
    )


ITEMS = WeightedSum.plain(*VssInput.model_fields)


def calculate(answers: VssInput) -> ScoreResult:
    """The sum of the four items (Sullivan 1990); no bands are published."""
    return INSTRUMENT.result(ITEMS.total(answers.model_dump()), None)


INSTRUMENT = Instrument(
    code="vss",
    name="Vancouver Scar Scale",
    score_range=(0, 13),
    references=("sullivan1990",),
    input_type=VssInput,
    calculate=calculate,
)
