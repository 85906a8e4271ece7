"""Ask for an instrument's input one item at a time (the CLI's `--interactive`).

The questions come from the input schema, so every instrument gets the same prompts with its own
allowed values; each answer is checked by the instrument's own validation at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from microneedling.errors import FieldProblem, InputError
from microneedling.scores.instrument import Instrument
from microneedling.scores.schema import Path, Schema, allowed_values, branch, path_text, resolve

Kind = Literal["integer", "number", "text", "list"]
_KINDS: dict[str, Kind] = {"integer": "integer", "number": "number", "array": "list"}


@dataclass(frozen=True)
class Question:
    path: Path
    description: str
    allowed: tuple[str, ...]
    kind: Kind
    required: bool

    @property
    def key(self) -> str:
        return path_text(self.path)

    @property
    def prompt(self) -> str:
        text = self.key
        if self.description:
            text += f" - {self.description}"
        if self.kind == "list":
            text += ", comma-separated"
        if self.allowed:
            text += f" [{' / '.join(self.allowed)}]"
        if not self.required:
            text += " (optional, Enter to skip)"
        return text

    def parse(self, text: str) -> object:
        """The typed value of an answer; text that is not one is kept, for validation to refuse."""
        text = text.strip()
        if self.kind == "text":
            return text
        if self.kind == "list" and not text.startswith("["):
            text = f"[{text}]"
        try:
            value: object = json.loads(text)
        except json.JSONDecodeError:
            return text
        return value


@dataclass
class Form:
    """The answers so far for one instrument, and which question comes next."""

    instrument: Instrument
    answers: dict[str, Any] = field(default_factory=dict)
    answered: set[Path] = field(default_factory=set)

    def questions(self) -> list[Question]:
        root = self.instrument.input_schema
        return _questions(resolve(root, root), root, (), self.answers)

    def next_question(self) -> Question | None:
        return next((q for q in self.questions() if q.path not in self.answered), None)

    def answer(self, question: Question, text: str) -> list[FieldProblem]:
        """Record an answer; return its problems (and forget it) if the instrument refuses it."""
        if not text.strip() and not question.required:
            self.answered.add(question.path)
            return []
        _set(self.answers, question.path, question.parse(text))
        problems = self._problems_at(question.path)
        if problems:
            _unset(self.answers, question.path)
        else:
            self.answered.add(question.path)
        return problems

    def _problems_at(self, path: Path) -> list[FieldProblem]:
        try:
            self.instrument.parse(self.answers)
        except InputError as error:
            key = path_text(path)
            return [
                problem
                for problem in error.problems
                if problem.field == key or problem.field.startswith((f"{key}[", f"{key}."))
            ]
        return []


def _questions(
    node: Schema, root: Schema, prefix: Path, answers: dict[str, Any], tag: str | None = None
) -> list[Question]:
    """The questions of an object in schema order; for a union, its tag first, then its branch."""
    if "discriminator" in node:
        key = node["discriminator"]["propertyName"]
        tags = tuple(node["discriminator"]["mapping"])
        tag_question = Question((*prefix, key), "", tags, "text", True)
        selected = branch(node, root, answers.get(key))
        if selected is None:
            return [tag_question]
        return [tag_question, *_questions(selected, root, prefix, answers, tag=key)]
    questions = []
    required = set(node.get("required", ()))
    for key, child in node.get("properties", {}).items():
        if key == tag:
            continue
        path = (*prefix, key)
        resolved = resolve(child, root)
        if resolved.get("type") == "object":
            questions += _questions(resolved, root, path, answers.get(key, {}))
            continue
        questions.append(
            Question(
                path,
                child.get("description", ""),
                allowed_values(resolved, root),
                _KINDS.get(str(resolved.get("type")), "text"),
                key in required,
            )
        )
    return questions


def _set(answers: dict[str, Any], path: Path, value: object) -> None:
    *parents, last = path
    for key in parents:
        answers = answers.setdefault(str(key), {})
    answers[str(last)] = value


def _unset(answers: dict[str, Any], path: Path) -> None:
    *parents, last = path
    for key in parents:
        answers = answers[str(key)]
    answers.pop(str(last), None)
