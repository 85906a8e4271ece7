"""Shared plumbing for CLI commands: reading JSON input, printing JSON, turning input errors
into exit status 2 with a message (never a traceback)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer

from microneedling.errors import InputError

INPUT_ERROR_EXIT = 2


def fail(message: str) -> NoReturn:
    """Print an input error to stderr and exit with status 2."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(INPUT_ERROR_EXIT)


@contextmanager
def input_errors_exit() -> Iterator[None]:
    """The one way a command fails on what it cannot act on: bad input (`InputError` or a
    pydantic validation error, one line per problem naming its field) or a refusal of the
    services exits with status 2 and the message, never a traceback. `exit_on_refusals` puts
    every command inside it."""
    try:
        yield
    except InputError as error:
        fail(problem_lines(error))
    except Exception as error:
        from pydantic import ValidationError

        from microneedling.errors import from_validation_error
        from microneedling.services.errors import ServiceError

        if isinstance(error, ServiceError):
            fail(str(error))
        if isinstance(error, ValidationError):
            fail(problem_lines(from_validation_error(error)))
        raise


def problem_lines(error: InputError) -> str:
    """Each problem on its own line: its field, what is wrong and what is allowed."""
    return "\n".join(str(problem) for problem in error.problems)


def exit_on_refusals(app: typer.Typer) -> None:
    """Run every command of `app` (and of its groups) inside `input_errors_exit`."""
    for command in app.registered_commands:
        if command.callback is not None:
            command.callback = input_errors_exit()(command.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            exit_on_refusals(group.typer_instance)


def read_json(source: str, label: str = "input") -> Any:
    """Read JSON from a file path, or from stdin when the path is `-`."""
    if source == "-":
        text = sys.stdin.read()
        name = "standard input"
    else:
        path = Path(source)
        if not path.is_file():
            fail(f"{label}: no such file '{source}'")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            fail(f"{label}: cannot read '{source}': {error}")
        name = f"'{source}'"
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        fail(f"{label}: {name} is not valid JSON ({where}: {error.msg})")


def print_json(data: Any) -> None:
    """Print data as indented JSON on stdout."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def print_rows(rows: list[dict[str, Any]], as_json: bool, render: Callable[[], None]) -> None:
    """Print a listing's rows as a JSON array with --json, else through the given Rich renderer."""
    if as_json:
        print_json(rows)
    else:
        render()
