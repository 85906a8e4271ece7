"""Melasma Area and Severity Index (MASI), 0-48; no validated bands.

Source: Kimbrough-Green CK et al., Arch Dermatol 1994;130(6):727-733 (`kimbroughgreen1994`).
The region weights (forehead 0.3, each malar 0.3, chin 0.1) are kept in tenths so that the
sum is exact; `mmasi` shares them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

from pydantic import Field

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import WeightedSum

Area = Annotated[int, Field(ge=0, le=6)]
Intensity = Annotated[int, Field(ge=0, le=4)]
AREA_HELP = "0 none, 1 < 10 %, 2 10-29 %, 3 30-49 %, 4 50-69 %, 5 70-89 %, 6 90-100 %"
DARKNESS_HELP = "0 absent, 1 slight, 2 mild, 3 marked, 4 maximal"

Region = TypeVar("Region", bound=ScoreInput)


class FaceRegions(ScoreInput, Generic[Region]):
    """The four facial regions of MASI and mMASI."""

    forehead: Region = Field(description="forehead (30 % of the face)")
    right_malar: Region = Field(description="right malar region (30 %)")
    left_malar: Region = Field(description="left malar region (30 %)")
    chin: Region = Field(description="chin (10 %)")


REGION_WEIGHTS_TENTHS = WeightedSum({"forehead": 3, "right_malar": 3, "left_malar": 3, "chin": 1})


class MasiRegion(ScoreInput):
    area: Area = Field(description=AREA_HELP)
    darkness: Intensity = Field(description=DARKNESS_HELP)
    homogeneity: Intensity = Field(description="0 minimal, 1 slight, 2 mild, 3 marked, 4 maximal")


MasiInput = FaceRegions[MasiRegion]


def region_index(
    regions: FaceRegions[Region], severity: Callable[[Region], int]
) -> tuple[float, dict[str, float]]:
    """Σ region weight × area × severity, summed in tenths, and each region's share."""
    per_region = {name: severity(getattr(regions, name)) for name in REGION_WEIGHTS_TENTHS.keys}
    tenths = REGION_WEIGHTS_TENTHS.parts(per_region)
    return sum(tenths.values()) / 10, {name: value / 10 for name, value in tenths.items()}


def calculate(regions: MasiInput) -> ScoreResult:
    """MASI (Kimbrough-Green 1994): a region whose area is 0 adds 0 whatever its intensity."""
    score, subscores = region_index(
        regions, lambda region: region.area * (region.darkness + region.homogeneity)
    )
    return INSTRUMENT.result(score, None, subscores=subscores)


INSTRUMENT = Instrument(
    code="masi",
    name="Melasma Area and Severity Index",
    score_range=(0, 48),
    references=("kimbroughgreen1994",),
    input_type=MasiInput,
    calculate=calculate,
)
