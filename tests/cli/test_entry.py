"""The entry point builds only the command a run names; help still lists every command."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from microneedling.cli import app, app_for


def command_names(cli: typer.Typer) -> set[str]:
    group = typer.main.get_command(cli)
    assert isinstance(group, typer.core.TyperGroup)
    return set(group.commands)


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["plan", "request.json", "--json"], {"plan"}),
        (["db", "upgrade"], {"db"}),
        (["score", "list"], {"score"}),
    ],
)
def test_a_run_builds_only_the_command_it_names(args: list[str], names: set[str]) -> None:
    assert command_names(app_for(args)) == names
    assert len(command_names(app)) > len(names)


@pytest.mark.parametrize("args", [[], ["--help"], ["--version"], ["plam"]])
def test_help_options_and_unknown_names_get_the_whole_app(args: list[str]) -> None:
    assert app_for(args) is app


def test_the_lean_app_answers_as_the_whole_app() -> None:
    args = ["explain", "pih_risk", "--json"]
    lean = CliRunner().invoke(app_for(args), args)
    whole = CliRunner().invoke(app, args)
    assert lean.exit_code == whole.exit_code == 0
    assert lean.output == whole.output
