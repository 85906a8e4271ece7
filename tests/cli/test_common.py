"""One way for every command to fail on what it cannot act on: exit status 2, a message that
names each bad field on its own line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from microneedling.cli import app
from microneedling.cli.common import exit_on_refusals, input_errors_exit
from microneedling.errors import InputError
from microneedling.services.errors import Conflict, NotFound

runner = CliRunner()


def _commands(group: typer.Typer) -> list[str]:
    names = [str(info.name or info.callback) for info in group.registered_commands]
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        names += [f"{sub.name} {name}" for name in _commands(sub.typer_instance)]
    return names


def _unwrapped(group: typer.Typer) -> list[str]:
    missing = [
        str(info.name)
        for info in group.registered_commands
        if not hasattr(info.callback, "__wrapped__")
    ]
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        missing += [f"{sub.name} {name}" for name in _unwrapped(sub.typer_instance)]
    return missing


def test_every_command_runs_inside_the_one_wrapper() -> None:
    assert len(_commands(app)) > 20
    assert _unwrapped(app) == []


@pytest.mark.parametrize(
    ("error", "printed"),
    [
        (InputError.one("depth_mm", "must be 2.5 or less", ["0.25", "2.5"]), "depth_mm"),
        (NotFound("client", 9), "client 9 not found"),
        (Conflict("the record changed meanwhile"), "the record changed meanwhile"),
    ],
    ids=["input", "not-found", "conflict"],
)
def test_a_refusal_in_any_command_exits_2_with_its_message(error: Exception, printed: str) -> None:
    lone = typer.Typer()

    @lone.command()
    def refuse() -> None:
        raise error

    exit_on_refusals(lone)
    result = runner.invoke(lone, [])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {printed}")
    assert "Traceback" not in result.output


def test_a_bug_is_not_dressed_up_as_bad_input() -> None:
    with pytest.raises(KeyError), input_errors_exit():
        raise KeyError("a bug")


def test_a_plan_with_two_bad_fields_names_each_on_its_own_line(tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text(
        json.dumps(
            {
                "setting": "spa",
                "device": {"type": "pen"},
                "client": {"age_years": 34, "fitzpatrick": 9},
                "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks"]}],
            }
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["plan", str(request)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("Error: setting: ")
    assert lines[0].endswith("(allowed: clinic, home)")
    assert lines[1].startswith("client.fitzpatrick: ")
    assert len(lines) == 2


def test_a_score_with_a_value_out_of_range_names_the_item(tmp_path: Path) -> None:
    answers = tmp_path / "vss.json"
    answers.write_text(
        json.dumps({"pigmentation": 9, "vascularity": 2, "pliability": 2, "height": 2}),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["score", "vss", str(answers)])
    assert result.exit_code == 2
    assert result.output.startswith("Error: pigmentation: ")
    assert "Traceback" not in result.output


def test_an_unknown_instrument_exits_2_listing_the_known_ones() -> None:
    result = runner.invoke(app, ["score", "nope", "-"], input="{}")
    assert result.exit_code == 2
    assert "vss" in result.output
