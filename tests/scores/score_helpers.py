"""Shared test helpers for the scoring instruments: the worked examples of scores.md and a way
to assert that bad input is refused with a message naming the item and what it accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from microneedling.errors import FieldProblem, InputError
from microneedling.scores import calculate

WORKED_EXAMPLES_FILE = Path(__file__).with_name("worked_examples.json")
WORKED_EXAMPLES: list[dict[str, Any]] = json.loads(WORKED_EXAMPLES_FILE.read_text("utf-8"))

# ITA° is a real number; scores.md compares it with an absolute tolerance of 0.01°.
ITA_TOLERANCE = 0.01


def worked_examples(code: str | None = None) -> list[Any]:
    """The worked examples as pytest params, with the reference id in the test id."""
    return [
        pytest.param(example, id=example["id"])
        for example in WORKED_EXAMPLES
        if code is None or example["code"] == code
    ]


def refused(code: str, data: object, item: str) -> FieldProblem:
    """Assert that `data` is refused and that one problem names `item`; return that problem."""
    with pytest.raises(InputError) as caught:
        calculate(code, data)
    problems = {problem.field: problem for problem in caught.value.problems}
    assert item in problems, f"no problem names {item!r}: {caught.value}"
    assert item in str(caught.value)
    return problems[item]


def refused_with_allowed(code: str, data: object, item: str, allowed: list[str]) -> None:
    """Assert the refusal names `item` and lists exactly these allowed values."""
    problem = refused(code, data, item)
    assert list(problem.allowed) == allowed
    assert all(value in str(problem) for value in allowed)


def with_item(data: dict[str, Any], key: str, value: object) -> dict[str, Any]:
    return {**data, key: value}


def without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in data.items() if name != key}
