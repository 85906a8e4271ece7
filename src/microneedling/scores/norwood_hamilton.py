"""Hamilton-Norwood male pattern hair loss stage, I-VII (with the a and vertex forms).

Sources: Hamilton JB, Ann N Y Acad Sci 1951;53(3):708-728 (`hamilton1951`); Norwood OT,
South Med J 1975;68(11):1359-1365 (`norwood1975`).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import Ordinal

STAGES = Ordinal(
    {
        "I": 1,
        "II": 2,
        "IIa": 2,
        "III": 3,
        "IIIa": 3,
        "III vertex": 3,
        "IV": 4,
        "IVa": 4,
        "V": 5,
        "Va": 5,
        "VI": 6,
        "VII": 7,
    }
)
Stage = Literal["I", "II", "IIa", "III", "IIIa", "III vertex", "IV", "IVa", "V", "Va", "VI", "VII"]

_SPELLING = re.compile(r"^(?P<numeral>[ivx]+)(?:(?P<a>a)|\s*(?P<vertex>vertex))?$", re.IGNORECASE)


def canonical_stage(value: object) -> object:
    """Trim, upper-case the numeral, lower-case a trailing `a`, write `<numeral> vertex`.

    Anything that is not such a spelling passes through unchanged and fails validation.
    """
    if not isinstance(value, str):
        return value
    match = _SPELLING.match(value.strip())
    if match is None:
        return value
    numeral = match["numeral"].upper()
    if match["vertex"]:
        return f"{numeral} vertex"
    return numeral + ("a" if match["a"] else "")


class NorwoodHamiltonInput(ScoreInput):
    stage: Annotated[Stage, BeforeValidator(canonical_stage)] = Field(
        description="I-VII; IIa, IIIa, IVa, Va for the anterior forms; 'III vertex'"
    )


def calculate(answers: NorwoodHamiltonInput) -> ScoreResult:
    """The numeric stage of the canonical label (Hamilton 1951, Norwood 1975)."""
    return INSTRUMENT.result(STAGES.score_of(answers.stage), answers.stage)


INSTRUMENT = Instrument(
    code="norwood_hamilton",
    name="Hamilton-Norwood male pattern hair loss stage",
    score_range=(1, 7),
    references=("hamilton1951", "norwood1975"),
    input_type=NorwoodHamiltonInput,
    calculate=calculate,
)
