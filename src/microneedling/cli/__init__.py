"""The `microneedling` command line: a thin shell over the planner, the knowledge base and the
scores. Heavy modules are imported inside commands so `--help` starts fast."""

from __future__ import annotations

import copy
import sys
from typing import Annotated

import typer

from microneedling import __version__
from microneedling.cli import imaging, interop, knowledge, planning, records, score
from microneedling.cli.common import exit_on_refusals

app = typer.Typer(
    name="microneedling",
    help=(
        "Evidence-graded microneedling planning: screening, depth per zone, schedule, "
        "aftercare and references. Supports, never replaces, clinical judgement."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"microneedling {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Evidence-graded microneedling planning."""


planning.register(app)
knowledge.register(app)
score.register(app)
records.register(app)
interop.register(app)
imaging.register(app)
exit_on_refusals(app)


def app_for(args: list[str]) -> typer.Typer:
    """The app with only the command the arguments name, so a run builds one command, not all.

    Help, a bare option or an unknown name gets the whole app (and its list of commands).
    """
    name = args[0] if args else None
    commands = [info for info in app.registered_commands if info.name == name]
    groups = [info for info in app.registered_groups if info.name == name]
    if not commands and not groups:
        return app
    lean = copy.copy(app)
    lean.registered_commands, lean.registered_groups = commands, groups
    return lean


def main() -> None:
    """Console-script entry point."""
    app_for(sys.argv[1:])()
