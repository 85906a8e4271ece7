"""Read an instrument's input schema to say, for any item, what it accepts.

The JSON schema pydantic derives from an input model is the one description of every item
(range, choices, nesting), so error messages and interactive prompts both read it rather than
keep their own lists of allowed values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from microneedling.errors import FieldProblem, InputError, field_path

Schema = dict[str, Any]
Path = tuple[int | str, ...]

# Pydantic puts these tags into error locations; they are not part of the input's shape.
_TAGS = ("function-", "literal[", "constrained-", "json-or-python[")
_ENUMERATE_UP_TO = 12
_NOT_AN_OBJECT = {"model_type", "model_attributes_type", "dict_type"}


def path_text(path: Path) -> str:
    """`forehead.area`, `grades_present[2]`; the whole input is `input`."""
    return field_path(path) if path else "input"


def resolve(node: Schema, root: Schema) -> Schema:
    """Follow `$ref` and drop the `null` branch of an optional item."""
    while True:
        if "$ref" in node:
            node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        elif "anyOf" in node:
            branches = [branch for branch in node["anyOf"] if branch.get("type") != "null"]
            if len(branches) != 1:
                return node
            node = branches[0]
        else:
            return node


def branch(node: Schema, root: Schema, tag: object) -> Schema | None:
    """The branch of a discriminated union (POSAS part, GAIS scale) that `tag` selects."""
    mapping: dict[str, str] = node.get("discriminator", {}).get("mapping", {})
    if not isinstance(tag, str) or tag not in mapping:
        return None
    return resolve({"$ref": mapping[tag]}, root)


@dataclass(frozen=True)
class Located:
    """Where an error location points in the input: its path, its schema and its parent's."""

    path: Path
    node: Schema | None
    parent: Schema | None


def locate(root: Schema, location: Sequence[int | str]) -> Located:
    """Turn a pydantic error location into an input path, skipping union and validator tags."""
    path: list[int | str] = []
    node: Schema | None = resolve(root, root)
    parent: Schema | None = None
    for part in location:
        if node is not None and "discriminator" in node:
            selected = branch(node, root, part)
            if selected is not None:
                node = selected
                continue
        if isinstance(part, str) and part.startswith(_TAGS):
            continue
        path.append(part)
        parent = node
        node = _child(node, root, part)
    return Located(tuple(path), node, parent)


def _child(node: Schema | None, root: Schema, part: int | str) -> Schema | None:
    if node is None:
        return None
    if isinstance(part, int):
        items = node.get("items")
        return resolve(items, root) if items is not None else None
    child = node.get("properties", {}).get(part)
    return resolve(child, root) if child is not None else None


def allowed_values(node: Schema | None, root: Schema) -> tuple[str, ...]:
    """What an item accepts, in words short enough for an error message or a prompt."""
    if node is None:
        return ()
    node = resolve(node, root)
    if "enum" in node:
        return tuple(_text(value) for value in node["enum"])
    if "const" in node:
        return (_text(node["const"]),)
    if "discriminator" in node:
        return (f"an object with {node['discriminator']['propertyName']}",)
    kind = node.get("type")
    if kind in ("integer", "number"):
        return _numbers(node, whole=kind == "integer")
    if kind == "array":
        items = ", ".join(allowed_values(node.get("items"), root)) or "values"
        return (f"{'a non-empty' if node.get('minItems') else 'a'} list of {items}",)
    if kind == "object":
        return (f"an object with {', '.join(object_keys(node, root))}",)
    if kind == "string":
        return ("text",)
    return ()


def object_keys(node: Schema | None, root: Schema) -> tuple[str, ...]:
    """The keys an object accepts (for a union, those of every branch)."""
    if node is None:
        return ()
    node = resolve(node, root)
    if "discriminator" in node:
        keys: dict[str, None] = {}
        for tag in node["discriminator"]["mapping"]:
            selected = branch(node, root, tag)
            keys.update(dict.fromkeys(object_keys(selected, root)))
        return tuple(keys)
    return tuple(node.get("properties", {}))


def _numbers(node: Schema, whole: bool) -> tuple[str, ...]:
    low = node.get("minimum")
    high = node.get("maximum")
    if whole:
        if low is None and "exclusiveMinimum" in node:
            low = node["exclusiveMinimum"] + 1
        if high is None and "exclusiveMaximum" in node:
            high = node["exclusiveMaximum"] - 1
        if low is not None and high is not None and high - low <= _ENUMERATE_UP_TO:
            return tuple(str(value) for value in range(int(low), int(high) + 1))
    noun = "integer" if whole else "number"
    if low is not None and high is not None:
        return (f"{noun} from {_text(low)} to {_text(high)}",)
    if low is not None:
        return (f"{noun} ≥ {_text(low)}",)
    if "exclusiveMinimum" in node:
        return (f"{noun} > {_text(node['exclusiveMinimum'])}",)
    return (noun,)


def _text(value: object) -> str:
    """A bound or choice as written: `0` rather than `0.0`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def input_error(error: ValidationError, root: Schema) -> InputError:
    """Translate pydantic's errors into problems that name the item and what it accepts."""
    problems = []
    for item in error.errors(include_url=False):
        located = locate(root, item["loc"])
        path, node = located.path, located.node
        kind = item["type"]
        if kind == "extra_forbidden":
            message = "unknown item"
            allowed = object_keys(located.parent, root)
        elif kind in ("union_tag_not_found", "union_tag_invalid") and node is not None:
            key = node["discriminator"]["propertyName"]
            path = (*path, key)
            message = "is required" if kind == "union_tag_not_found" else "unknown value"
            allowed = tuple(node["discriminator"]["mapping"])
        elif kind == "missing":
            message = "is required"
            allowed = allowed_values(node, root)
        elif kind == "literal_error":
            message = f"{item['input']!r} is not one of the allowed values"
            allowed = allowed_values(node, root)
        elif kind == "value_error":
            message = item["msg"].removeprefix("Value error, ")
            allowed = ()
        elif kind in _NOT_AN_OBJECT:
            message = "must be a JSON object"
            allowed = (f"an object with {', '.join(object_keys(node, root))}",)
        else:
            message = item["msg"]
            allowed = allowed_values(node, root)
        problems.append(FieldProblem(path_text(path), message, allowed))
    return InputError(problems)
