"""The base of every instrument's input model, apart from the scoring machinery.

A plan request embeds the Fitzpatrick answers; keeping the input models light lets the planner
load them without the calculators, tables and results.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ScoreInput(BaseModel):
    """Base of every instrument's input: immutable, no unknown keys, no coercion.

    Strict mode keeps `true` from passing as 1 and `2.0` from passing as an integer item;
    nothing out of range is ever clamped.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
