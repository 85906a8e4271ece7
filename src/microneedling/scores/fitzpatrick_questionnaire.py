"""Fitzpatrick skin phototype self-assessment: the common 10-question, points-based version.

Source: the phototype concept of Fitzpatrick TB, Arch Dermatol 1988;124(6):869-871
(`fitzpatrick1988`); the questionnaire is a widely circulated adaptation (ARPANSA among others)
whose items, 0-4 points and cut-offs are the same across the common versions. Which printed
version the wording and cut-offs come from is not identified (docs/scores.md).
"""

from __future__ import annotations

from microneedling.scores.fitzpatrick_answers import FitzpatrickAnswers
from microneedling.scores.instrument import Instrument
from microneedling.scores.result import ScoreResult
from microneedling.scores.tables import ROMAN_NUMERALS, Brackets, WeightedSum

__all__ = ["INSTRUMENT", "FitzpatrickAnswers", "calculate", "phototype_from_answers"]

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
