"""Goodman & Baron quantitative global acne-scarring score, 0-84 (no published bands).

Source: Goodman GJ, Baron JA, J Cosmet Dermatol 2006;5(1):48-52 (`goodman2006`). Each scar type
scores points × a multiplier set by its count; keloidal or hypertrophic scars score by area.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import Brackets, WeightedSum

Count = Annotated[int, Field(ge=0)]


class GoodmanBaronQuantitativeInput(ScoreInput):
    """Scar counts per type, and the keloidal/hypertrophic area in cm²."""

    macular_count: Count = Field(description="macular erythematous or pigmented (1 point)")
    mild_atrophic_dish_count: Count = Field(description="mildly atrophic, dish-like (1 point)")
    moderate_atrophic_dish_count: Count = Field(
        description="moderately atrophic, dish-like (2 points)"
    )
    shallow_punched_out_count: Count = Field(
        description="punched-out, shallow base, small < 5 mm (2 points)"
    )
    shallow_broad_atrophic_count: Count = Field(
        description="shallow but broad atrophic area (2 points)"
    )
    deep_punched_out_normal_base_count: Count = Field(
        description="punched-out, deep, normal-looking base, small < 5 mm (3 points)"
    )
    deep_punched_out_abnormal_base_count: Count = Field(
        description="punched-out, deep, abnormal-looking base, small < 5 mm (3 points)"
    )
    linear_troughed_count: Count = Field(
        description="linear or troughed dermal scarring (3 points)"
    )
    deep_broad_atrophic_count: Count = Field(description="deep, broad atrophic area (3 points)")
    papular_count: Count = Field(description="papular, hyperplastic (2 points)")
    keloid_hypertrophic_area_cm2: Annotated[float, Field(ge=0)] = Field(
        description="total keloidal or hypertrophic area in cm²: 0 -> 0, < 5 -> 6, 5-20 -> 12, "
        "> 20 -> 18 points"
    )


POINTS = WeightedSum(
    {
        "macular_count": 1,
        "mild_atrophic_dish_count": 1,
        "moderate_atrophic_dish_count": 2,
        "shallow_punched_out_count": 2,
        "shallow_broad_atrophic_count": 2,
        "deep_punched_out_normal_base_count": 3,
        "deep_punched_out_abnormal_base_count": 3,
        "linear_troughed_count": 3,
        "deep_broad_atrophic_count": 3,
        "papular_count": 2,
    }
)
COUNT_MULTIPLIER = Brackets.of({0: "[0, 0]", 1: "[1, 10]", 2: "[11, 20]", 3: "[21, inf)"})
_AREA_CONVENTION = (
    "whether an area of exactly {} cm² falls in the 5-20 cm² bracket is not confirmed against "
    "the paper; the usual reading (5-20 inclusive) was applied"
)
AREA_POINTS = Brackets.of(
    {0: "[0, 0]", 6: "(0, 5)", 12: "[5, 20]", 18: "(20, inf)"},
    conventions={5: _AREA_CONVENTION.format(5), 20: _AREA_CONVENTION.format(20)},
)


def calculate(answers: GoodmanBaronQuantitativeInput) -> ScoreResult:
    """Σ points × count multiplier, plus the keloid area points (Goodman & Baron 2006)."""
    counts = answers.model_dump()
    multipliers = {key: COUNT_MULTIPLIER.lookup(counts[key]) for key in POINTS.keys}
    area = answers.keloid_hypertrophic_area_cm2
    subscores = {
        **POINTS.parts(multipliers),
        "keloid_hypertrophic_area_cm2": AREA_POINTS.lookup(area),
    }
    return INSTRUMENT.result(
        sum(subscores.values()), None, subscores=subscores, warnings=AREA_POINTS.notes_for(area)
    )


INSTRUMENT = Instrument(
    code="goodman_baron_quantitative",
    name="Goodman & Baron quantitative global scarring score",
    score_range=(0, 84),
    references=("goodman2006",),
    input_type=GoodmanBaronQuantitativeInput,
    calculate=calculate,
)
