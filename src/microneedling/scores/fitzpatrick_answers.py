"""The ten answers of the Fitzpatrick phototype self-assessment (`fitzpatrick_questionnaire`).

They live apart from the calculator because a plan request carries them: the planner loads
the answers' model without the scoring machinery, and scores them only when they are given.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from microneedling.scores.score_input import ScoreInput

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
