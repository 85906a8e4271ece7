"""Severity of Alopecia Tool (SALT): percent scalp hair loss, 0-100, with classes S0-S5.

Sources: Olsen EA et al., J Am Acad Dermatol 2004;51(3):440-447 (`olsen2004`) for the score;
the S classes from Olsen E et al., J Am Acad Dermatol 1999;40(2 Pt 1):242-246 (`olsen1999`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import Field

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import Brackets, WeightedSum

Percent = Annotated[float, Field(ge=0, le=100)]
HUNDREDTHS = Decimal("0.01")


class SaltInput(ScoreInput):
    """Percent hair loss within each scalp region (not of the whole scalp)."""

    vertex_pct: Percent = Field(description="top of the scalp (40 % of the scalp)")
    posterior_pct: Percent = Field(description="back of the scalp (24 %)")
    right_side_pct: Percent = Field(description="right side (18 %)")
    left_side_pct: Percent = Field(description="left side (18 %)")


REGION_WEIGHTS_PCT = WeightedSum(
    {"vertex_pct": 40, "posterior_pct": 24, "right_side_pct": 18, "left_side_pct": 18}
)
CLASSES = Brackets.of(
    {
        "S0": "[0, 0]",
        "S1": "(0, 25)",
        "S2": "[25, 50)",
        "S3": "[50, 75)",
        "S4": "[75, 100)",
        "S5": "[100, 100]",
    }
)
# Olsen 2004 writes S4a as 75-95 % and S4b as 96-99 %; a score between 95 and 96 has no
# published sub-class, so none is given there.
S4_SUBCLASSES = Brackets.of({"S4a": "[75, 95]", "S4b": "[96, 100)"})


def calculate(answers: SaltInput) -> ScoreResult:
    """SALT = (40·V + 24·P + 18·R + 18·L) / 100, shown rounded to 2 decimals.

    The class comes from the exact value, so rounding never moves a score across a class limit:
    24.996 is S1 though shown as 25.0, and only exactly 0 or 100 is S0 or S5.
    """
    percents = {key: Decimal(str(value)) for key, value in answers.model_dump().items()}
    parts = {
        key: _hundredths(value / 100) for key, value in REGION_WEIGHTS_PCT.parts(percents).items()
    }
    exact = REGION_WEIGHTS_PCT.total(percents) / 100
    score = float(_hundredths(exact))
    band = CLASSES.lookup(exact)
    subclass = S4_SUBCLASSES.find(exact) if band == "S4" else None
    warnings: tuple[str, ...] = ()
    if band == "S4" and subclass is None:
        warnings = (f"SALT {exact} lies between S4a (75-95) and S4b (96-99): no sub-class given",)
    return INSTRUMENT.result(
        score,
        band,
        subscores={key: float(value) for key, value in parts.items()},
        subclass=subclass,
        warnings=warnings,
    )


def _hundredths(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTHS, rounding=ROUND_HALF_UP)


INSTRUMENT = Instrument(
    code="salt",
    name="Severity of Alopecia Tool",
    score_range=(0, 100),
    references=("olsen2004", "olsen1999"),
    input_type=SaltInput,
    calculate=calculate,
)
