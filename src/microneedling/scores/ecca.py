"""ECCA (Échelle d'Évaluation Clinique des Cicatrices d'Acné) weighted acne-scar score, 0-540.

Source: Dréno B et al., Dermatology 2007;214(1):46-51 (`dreno2007`). The calculator takes each
scar type's grade 0-3, not a count: the count anchors of grades 1-3 are not confirmed.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import WeightedSum

Grade = Annotated[int, Field(ge=0, le=3)]


class EccaInput(ScoreInput):
    """The semi-quantitative grade (0 none … 3 most) of each scar type."""

    v_shaped: Grade = Field(description="V-shaped atrophic, < 2 mm, ice-pick (weight 15)")
    u_shaped: Grade = Field(description="U-shaped atrophic, 2-4 mm, boxcar (weight 20)")
    m_shaped: Grade = Field(description="M-shaped atrophic, > 4 mm, rolling (weight 25)")
    superficial_elastolysis: Grade = Field(description="superficial elastolysis (weight 30)")
    hypertrophic_inflammatory: Grade = Field(
        description="hypertrophic inflammatory scar, < 2 years old (weight 40)"
    )
    keloid: Grade = Field(description="keloid, or hypertrophic scar > 2 years old (weight 50)")


WEIGHTS = WeightedSum(
    {
        "v_shaped": 15,
        "u_shaped": 20,
        "m_shaped": 25,
        "superficial_elastolysis": 30,
        "hypertrophic_inflammatory": 40,
        "keloid": 50,
    }
)


def calculate(answers: EccaInput) -> ScoreResult:
    """Σ weight × grade (Dréno 2007); no bands are published."""
    grades = answers.model_dump()
    return INSTRUMENT.result(WEIGHTS.total(grades), None, subscores=WEIGHTS.parts(grades))


INSTRUMENT = Instrument(
    code="ecca",
    name="ECCA acne scar grading scale",
    score_range=(0, 540),
    references=("dreno2007",),
    input_type=EccaInput,
    calculate=calculate,
)
