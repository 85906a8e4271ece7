"""Modified MASI (mMASI), 0-24: MASI without homogeneity, with the Rodrigues 2016 bands.

Sources: Pandya AG et al., J Am Acad Dermatol 2011;64(1):78-83 (`pandya2011`) for the score;
Rodrigues M et al., JAMA Dermatol 2016;152(9):1051-1052 (`rodrigues2016`) for the bands.
"""

from __future__ import annotations

from pydantic import Field

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.masi import (
    AREA_HELP,
    DARKNESS_HELP,
    Area,
    FaceRegions,
    Intensity,
    region_index,
)
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import Brackets

_LIMIT_CONVENTION = (
    "a score of exactly {} is banded by the inclusive wording '3.2 to 6.8'; not yet checked "
    "against the table of Rodrigues 2016"
)
BANDS = Brackets.of(
    {"none": "[0, 0]", "mild": "(0, 3.2)", "moderate": "[3.2, 6.8]", "severe": "(6.8, 24]"},
    conventions={
        0: "band 'none' for a score of 0 is a project convention: the bands were derived from "
        "patients who had melasma",
        3.2: _LIMIT_CONVENTION.format(3.2),
        6.8: _LIMIT_CONVENTION.format(6.8),
    },
)


class MmasiRegion(ScoreInput):
    area: Area = Field(description=AREA_HELP)
    darkness: Intensity = Field(description=DARKNESS_HELP)


MmasiInput = FaceRegions[MmasiRegion]


def calculate(regions: MmasiInput) -> ScoreResult:
    """mMASI (Pandya 2011) = Σ weight × area × darkness, banded per Rodrigues 2016."""
    score, subscores = region_index(regions, lambda region: region.area * region.darkness)
    return INSTRUMENT.result(
        score, BANDS.lookup(score), subscores=subscores, warnings=BANDS.notes_for(score)
    )


INSTRUMENT = Instrument(
    code="mmasi",
    name="modified Melasma Area and Severity Index",
    score_range=(0, 24),
    references=("pandya2011", "rodrigues2016"),
    input_type=MmasiInput,
    calculate=calculate,
)
