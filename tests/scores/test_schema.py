"""Allowed values and error paths read from an instrument's input schema."""

from __future__ import annotations

import pytest

from microneedling.errors import InputError
from microneedling.scores import get
from microneedling.scores.schema import allowed_values, locate


def problems(code: str, data: object) -> dict[str, tuple[str, tuple[str, ...]]]:
    with pytest.raises(InputError) as caught:
        get(code).parse(data)
    return {p.field: (p.message, tuple(p.allowed)) for p in caught.value.problems}


@pytest.mark.parametrize(
    ("node", "allowed"),
    [
        ({"type": "integer", "minimum": 0, "maximum": 3}, ("0", "1", "2", "3")),
        ({"type": "integer", "minimum": 0, "maximum": 540}, ("integer from 0 to 540",)),
        ({"type": "integer", "minimum": 0}, ("integer ≥ 0",)),
        ({"type": "number", "minimum": 0, "maximum": 100}, ("number from 0 to 100",)),
        ({"type": "number", "exclusiveMinimum": 0}, ("number > 0",)),
        ({"enum": ["I", "II"], "type": "string"}, ("I", "II")),
        (
            {
                "type": "array",
                "items": {"type": "integer", "minimum": 1, "maximum": 2},
                "minItems": 1,
            },
            ("a non-empty list of 1, 2",),
        ),
        ({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]}, ("integer ≥ 0",)),
    ],
)
def test_allowed_values_in_words(node: dict[str, object], allowed: tuple[str, ...]) -> None:
    assert allowed_values(node, {}) == allowed


def test_locations_through_a_discriminated_union_drop_the_tag() -> None:
    schema = get("posas").input_schema
    located = locate(schema, ("observer", "relief"))
    assert located.path == ("relief",)
    assert located.node is not None and located.node["maximum"] == 10


def test_nested_and_list_paths() -> None:
    assert "forehead.area" in problems("masi", {"forehead": {"area": 9}})
    assert "grades_present[1]" in problems("goodman_baron_qualitative", {"grades_present": [1, 9]})


def test_not_an_object() -> None:
    found = problems("vss", [1, 2])
    message, allowed = found["input"]
    assert message == "must be a JSON object"
    assert "pigmentation" in allowed[0]


def test_union_tag_missing_or_unknown_names_the_tag() -> None:
    assert problems("gais", {"rating": 1})["scale"] == ("is required", ("five_point", "signed"))
    message, allowed = problems("gais", {"scale": "x", "rating": 1})["scale"]
    assert (message, allowed) == ("unknown value", ("five_point", "signed"))
