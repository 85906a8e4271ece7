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
    """Turn any `InputError` (or pydantic validation error) or refusal raised inside into exit
    status 2 with its message, never a traceback."""
    from microneedling.errors import from_validation_error
    from microneedling.services.errors import ServiceError

    try:
        yield
    except (InputError, ServiceError) as error:
        fail(str(error))
    except Exception as error:
        from pydantic import ValidationError

        if isinstance(error, ValidationError):
            fail(str(from_validation_error(error)))
        raise


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
