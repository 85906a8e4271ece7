"""Input errors the user can act on: each names the field and what is allowed.

The shells catch `InputError` once at the edge: the CLI exits with status 2, the API answers 422.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


# A body with 50,000 unknown keys gets the first problems and a count, not a 50,000-item answer.
MAX_PROBLEMS = 100


@dataclass(frozen=True)
class FieldProblem:
    """One bad field: its dotted path, what is wrong, and what would be accepted."""

    field: str
    message: str
    allowed: Sequence[str] = ()

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}"
        if self.allowed:
            text += f" (allowed: {', '.join(self.allowed)})"
        return text


@dataclass
class InputError(Exception):
    """Input the program cannot act on; never a bug, always the caller's to fix."""

    problems: list[FieldProblem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    @classmethod
    def one(cls, field_path: str, message: str, allowed: Iterable[str] = ()) -> InputError:
        return cls([FieldProblem(field_path, message, tuple(allowed))])

    def __str__(self) -> str:
        return "; ".join(str(problem) for problem in self.problems)

    def within(self, prefix: str) -> InputError:
        """The same problems, with their paths placed under `prefix` (e.g. `answers`)."""
        if not prefix:
            return self
        return InputError(
            [
                FieldProblem(
                    f"{prefix}.{p.field}" if p.field != "(request)" else prefix,
                    p.message,
                    p.allowed,
                )
                for p in self.problems
            ]
        )


def field_path(location: Iterable[int | str]) -> str:
    """Turn a pydantic error location into a readable path such as `client.conditions[0].code`."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(request)"


def from_validation_error(error: ValidationError) -> InputError:
    """Translate pydantic's errors into field problems that list the allowed values."""
    return from_error_items(error.errors(include_url=False))


def from_error_items(items: Iterable[Any], skip: int = 0) -> InputError:
    """Field problems from pydantic-style error items, leaving out `skip` leading location parts
    (FastAPI's "body" or "query")."""
    problems = []
    items = list(items)
    for item in items[:MAX_PROBLEMS]:
        location = [part for part in item["loc"][skip:] if not _is_union_tag(part)]
        allowed = _allowed_values(item.get("ctx"))
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append(FieldProblem(field_path(location), message, allowed))
    if len(items) > MAX_PROBLEMS:
        more = len(items) - MAX_PROBLEMS
        problems.append(FieldProblem("(request)", f"and {more} more problems like these"))
    return InputError(problems)


def _is_union_tag(part: int | str) -> bool:
    return isinstance(part, str) and part.startswith(("function-", "literal[", "constrained-"))


def _allowed_values(context: dict[str, Any] | None) -> tuple[str, ...]:
    if not context or "expected" not in context:
        return ()
    expected = str(context["expected"])
    return tuple(part.strip(" '") for part in expected.replace(" or ", ",").split(",") if part)
