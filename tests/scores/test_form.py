"""The interactive form: questions from the schema, each answer checked at once."""

from __future__ import annotations

from microneedling.scores import get
from microneedling.scores.form import Form


def answer_all(form: Form, answers: list[str]) -> list[str]:
    """Answer the questions in turn; return the keys of those that were refused."""
    refused = []
    for text in answers:
        question = form.next_question()
        assert question is not None
        if form.answer(question, text):
            refused.append(question.key)
    return refused


def test_questions_follow_the_items_in_order_with_their_allowed_values() -> None:
    questions = Form(get("vss")).questions()
    assert [q.key for q in questions] == ["pigmentation", "vascularity", "pliability", "height"]
    assert questions[0].allowed == ("0", "1", "2")
    assert "hyperpigmented" in questions[0].prompt


def test_a_bad_answer_is_asked_again_and_a_good_one_moves_on() -> None:
    form = Form(get("vss"))
    refused = answer_all(form, ["3", "1", "1.5", "true", "2", "4", "1"])
    assert refused == ["pigmentation", "vascularity", "vascularity"]
    assert form.next_question() is None
    assert get("vss").score(form.answers).score == 1 + 2 + 4 + 1


def test_a_union_asks_its_tag_first_then_that_branch() -> None:
    form = Form(get("posas"))
    assert [q.key for q in form.questions()] == ["part"]
    assert answer_all(form, ["both", "patient"]) == ["part"]
    keys = [q.key for q in form.questions()]
    assert keys == [
        "part",
        "pain",
        "itching",
        "color",
        "stiffness",
        "thickness",
        "irregularity",
        "overall_opinion",
    ]


def test_an_optional_item_can_be_skipped() -> None:
    form = Form(get("glogau"))
    assert answer_all(form, ["III", ""]) == []
    assert form.next_question() is None
    assert form.answers == {"photoaging_type": "III"}


def test_nested_regions_and_lists() -> None:
    masi = Form(get("masi"))
    assert masi.questions()[0].key == "forehead.area"
    assert answer_all(masi, ["7", "2"]) == ["forehead.area"]
    assert masi.answers == {"forehead": {"area": 2}}
    grades = Form(get("goodman_baron_qualitative"))
    assert answer_all(grades, ["1, 5", "1, 4"]) == ["grades_present"]
    assert grades.answers == {"grades_present": [1, 4]}


def test_a_cross_item_rule_refuses_the_item_it_names() -> None:
    form = Form(get("ita"))
    assert answer_all(form, ["50", "0", "12"]) == ["b_star"]
    assert form.answers == {"l_star": 50, "b_star": 12}
