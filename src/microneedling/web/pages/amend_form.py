"""The control that corrects one field of a clinical record, chosen from the field's type:
a date picker for a date, a number box for a number, a list of choices for a closed set, one
row of inputs per item for a list of items. The form never asks for JSON."""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from pydantic import BaseModel

from microneedling.knowledge import load_knowledge
from microneedling.knowledge.names import zone_choices

Kind = Literal["text", "textarea", "number", "date", "datetime", "choice", "choices", "items"]
LONG_TEXT = 500
INDEX = re.compile(r"\.(\d+)")
BRACKETED = r"[\1]"


@dataclass(frozen=True)
class Control:
    name: str
    kind: Kind
    value: Any
    options: list[tuple[str, str]] = field(default_factory=list)
    optional: bool = False
    items: list[list[Control]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name.rsplit(".", 1)[-1].replace("_", " ")


def _choices(name: str) -> list[tuple[str, str]] | None:
    """Closed sets that the input model checks against the knowledge base."""
    kb = load_knowledge()
    if name == "zone":
        return zone_choices(kb)
    if name == "topicals":
        return [(code, topical.name) for code, topical in kb.topicals.items()]
    return None


def _unwrap(annotation: Any) -> tuple[Any, bool, int | None]:
    """The type inside `Optional[Annotated[...]]`, whether None is allowed, and a max length."""
    optional = False
    limit = None
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            limit = next((m.max_length for m in args[1:] if hasattr(m, "max_length")), limit)
            for meta in args[1:]:
                for inner in getattr(meta, "metadata", []):
                    limit = getattr(inner, "max_length", limit)
            annotation = args[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(members) < len(typing.get_args(annotation))
            annotation = members[0]
        else:
            return annotation, optional, limit


def control_for(name: str, annotation: Any, value: Any) -> Control | None:
    """The control for a field, or None when the field is not corrected field by field
    (free-form answers are corrected by recording them again)."""
    inner, optional, limit = _unwrap(annotation)
    leaf = name.rsplit(".", 1)[-1]
    choices = _choices(leaf)
    origin = typing.get_origin(inner)
    if origin is Literal:
        options = [(str(v), str(v).replace("_", " ")) for v in typing.get_args(inner)]
        return Control(name, "choice", value, options, optional)
    if inner is bool:
        return Control(name, "choice", value, [("true", "yes"), ("false", "no")], optional)
    if choices is not None and origin is not list:
        return Control(name, "choice", value, choices, optional)
    if origin is list:
        (item,) = typing.get_args(inner)
        item, _, _ = _unwrap(item)
        if choices is not None and item is str:
            return Control(name, "choices", value or [], choices, optional)
        if isinstance(item, type) and issubclass(item, BaseModel):
            rows = [
                [
                    sub
                    for key, info in item.model_fields.items()
                    if (sub := control_for(f"{name}.{i}.{key}", info.annotation, entry.get(key)))
                ]
                for i, entry in enumerate(value or [])
            ]
            return Control(name, "items", value, optional=optional, items=rows)
        return None
    if inner in (int, float):
        return Control(name, "number", value, optional=optional)
    if inner is dt.date:
        return Control(name, "date", value, optional=optional)
    if inner is dt.datetime:
        return Control(name, "datetime", (value or "")[:16], optional=optional)
    if inner is str:
        kind: Kind = "textarea" if limit is None or limit > LONG_TEXT else "text"
        return Control(name, kind, value, optional=optional)
    return None


def submitted(control: Control, form: Any) -> Any:
    """The corrected value from the form, in the shape the input model reads (pydantic turns
    the text into numbers, dates and yes/no); an empty optional field is None."""
    if control.kind == "choices":
        return [str(v) for v in form.getlist(control.name)]
    if control.kind == "items":
        return [
            {**entry, **{sub.name.rsplit(".", 1)[-1]: submitted(sub, form) for sub in row}}
            for entry, row in zip(control.value or [], control.items, strict=True)
        ]
    raw = form.get(control.name)
    text = raw.strip() if isinstance(raw, str) else ""
    return None if text == "" and (control.optional or control.kind != "text") else text


def error_fields(control: Control, prefix: str) -> dict[str, str]:
    """Where each of the service's error paths goes on the form: `changes.zones[0].needle_mm`
    beside the input `zones.0.needle_mm`, anything else about the field beside the field."""
    leaves = [sub for row in control.items for sub in row]
    paths = {f"{prefix}.{INDEX.sub(BRACKETED, sub.name)}": sub.name for sub in leaves}
    return {f"{prefix}.{control.name}": control.name, **paths}
