"""Fitzpatrick skin phototype self-assessment: the common 10-question, points-based version.

Source: the phototype concept of Fitzpatrick TB, Arch Dermatol 1988;124(6):869-871
(`fitzpatrick1988`); the questionnaire is a widely circulated adaptation (ARPANSA among others)
whose items, 0-4 points and cut-offs are the same across the common versions. Which printed
version the wording and cut-offs come from is not identified (docs/scores.md).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from microneedling.scores.instrument import Instrument, ScoreInput
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import ROMAN_NUMERALS, Brackets, WeightedSum

Points = Annotated[int, Field(ge=0, le=4)]


class FitzpatrickAnswers(ScoreInput):
    """The ten answers, each the 0-4 position of the option chosen (in the order listed)."""

    eye_color: Points = Field(
        description="colour of the eyes: 0 light blue/grey/green, 1 blue/grey/green, "
        "2 hazel/light brown, 3 dark brown, 4 brownish black"
    )
    hair_color: Points = Field(
        description="natural hair colour: 0 red, 1 blond, 2 chestnut/dark blond, 3 dark brown, "
        "4 black"
    )
    skin_color_unexposed: Points = Field(
        description="skin colour where never sun-exposed: 0 reddish, 1 very pale, 2 pale beige, "
        "3 light brown, 4 dark brown"
    )
    freckles_unexposed: Points = Field(
        description="freckles on unexposed skin: 0 many, 1 several, 2 few, 3 incidental, 4 none"
    )
    burn_after_long_sun: Points = Field(
        description="after too long in the sun: 0 painful redness, blistering, peeling; "
        "1 blistering then peeling; 2 burns, sometimes peeling; 3 rarely burns; 4 never burned"
    )
    tan_depth: Points = Field(
        description="how brown the skin gets: 0 hardly/not at all, 1 light tan, 2 reasonable tan, "
        "3 tans very easily, 4 turns dark brown quickly"
    )
    tan_within_hours: Points = Field(
        description="browning within hours of exposure: 0 never, 1 seldom, 2 sometimes, 3 often, "
        "4 always"
    )
    face_sun_sensitivity: Points = Field(
        description="how the face reacts to sun: 0 very sensitive, 1 sensitive, 2 normal, "
        "3 very resistant, 4 never a problem"
    )
    last_sun_exposure: Points = Field(
        description="last sun, sunbed or tanning-product exposure: 0 > 3 months, 1 2-3 months, "
        "2 1-2 months, 3 < 1 month, 4 < 2 weeks"
    )
    treatment_area_sun_exposure: Points = Field(
        description="how often the area to be treated is sun-exposed: 0 never, 1 hardly ever, "
        "2 sometimes, 3 often, 4 always"
    )


ITEMS = WeightedSum.plain(*FitzpatrickAnswers.model_fields)
GROUPS = {
    "genetic_disposition": ITEMS.keys[0:4],
    "reaction_to_sun": ITEMS.keys[4:8],
    "tanning_habits": ITEMS.keys[8:10],
}
PHOTOTYPES = Brackets.of(
    {
        "I": "[0, 6]",
        "II": "[7, 13]",
        "III": "[14, 20]",
        "IV": "[21, 27]",
        "V": "[28, 34]",
        "VI": "[35, 40]",
    }
)


def calculate(answers: FitzpatrickAnswers) -> ScoreResult:
    """Sum of the ten items (0-40) and the phototype band I-VI (Fitzpatrick 1988 concept)."""
    items = answers.model_dump()
    total = ITEMS.total(items)
    groups = {group: sum(items[key] for key in keys) for group, keys in GROUPS.items()}
    return INSTRUMENT.result(total, PHOTOTYPES.lookup(total), subscores=groups)


def phototype_from_answers(answers: FitzpatrickAnswers) -> int:
    """The phototype as a number, I = 1 … VI = 6, for the planner."""
    return ROMAN_NUMERALS.score_of(PHOTOTYPES.lookup(ITEMS.total(answers.model_dump())))


INSTRUMENT = Instrument(
    code="fitzpatrick_questionnaire",
    name="Fitzpatrick skin phototype self-assessment",
    score_range=(0, 40),
    references=("fitzpatrick1988",),
    input_type=FitzpatrickAnswers,
    calculate=calculate,
)
