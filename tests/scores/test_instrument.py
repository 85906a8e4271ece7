"""`Instrument` and `compare`: parsing into the model, wrapping results, reading a change."""

from __future__ import annotations

import pytest

from microneedling.errors import InputError
from microneedling.scores import ScoreResult, get
from microneedling.scores.instrument import ChangeRule, Instrument, ScoreInput, compare


class Grade(ScoreInput):
    grade: int


def one_grade_drop(before: ScoreResult, after: ScoreResult) -> bool:
    return before.score - after.score >= 1


def grade_of(answers: Grade) -> ScoreResult:
    return TOY.result(answers.grade, None)


TOY = Instrument(
    code="toy",
    name="Toy grade",
    score_range=(1, 4),
    references=("toy2000",),
    input_type=Grade,
    calculate=grade_of,
    change_rule=ChangeRule("a drop of one grade or more", ("rule2001",), one_grade_drop),
)


def test_a_published_change_rule_decides_meaningful_improvement() -> None:
    improved = compare(TOY, TOY.score({"grade": 3}), TOY.score({"grade": 2}))
    unchanged = compare(TOY, TOY.score({"grade": 3}), TOY.score({"grade": 3}))
    assert improved.clinically_meaningful_improvement is True
    assert unchanged.clinically_meaningful_improvement is False
    assert improved.change_rule == "a drop of one grade or more"
    assert improved.references == ("toy2000", "rule2001")


def test_results_carry_the_instruments_identity() -> None:
    result = TOY.score({"grade": 2})
    assert (result.instrument, result.range, result.references) == ("toy", (1, 4), ("toy2000",))


def test_the_input_model_itself_is_accepted() -> None:
    assert TOY.score(Grade(grade=3)).score == 3


def test_an_instrument_that_rates_change_refuses_to_be_compared() -> None:
    gais = get("gais")
    rating = gais.score({"scale": "signed", "rating": 1})
    with pytest.raises(InputError) as caught:
        compare(gais, rating, rating)
    assert caught.value.problems[0].field == "code"


def test_strict_input_refuses_a_bool_for_an_int() -> None:
    with pytest.raises(InputError):
        TOY.score({"grade": True})
