"""`microneedling plan`: read a request (file, stdin or questions), print the plan."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from microneedling.cli.common import print_json, read_json


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_command)


def clinic_today() -> dt.date:
    """Today in the clinic's time zone (MICRONEEDLING_TIMEZONE), the day a plan starts from."""
    from pydantic import ValidationError

    from microneedling.cli.common import fail
    from microneedling.config import ClinicZone
    from microneedling.services.clock import Clock

    try:
        zone = ClinicZone().zone
    except ValidationError as error:
        fail(f"MICRONEEDLING_TIMEZONE: {error.errors(include_url=False)[0]['msg']}")
    return Clock(zone).today()


def plan_command(
    request_file: Annotated[
        str | None, typer.Argument(metavar="REQUEST.json", help="Request file, or - for stdin.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the plan contract as JSON.")
    ] = False,
    interactive: Annotated[
        bool, typer.Option("--interactive", "-i", help="Answer questions instead of a file.")
    ] = False,
) -> None:
    """Plan a course of microneedling: screening, depth per zone, schedule, care, references."""
    if interactive:
        from microneedling.cli.questionnaire import ask_request

        data: Any = ask_request()
    elif request_file is None:
        from microneedling.cli.common import fail

        fail("give REQUEST.json (or - for stdin), or --interactive")
    else:
        data = read_json(request_file, "request")
    if isinstance(data, dict) and "as_of" not in data:
        data["as_of"] = clinic_today().isoformat()
    from microneedling.clinical.planner import plan

    result = plan(data)
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        from microneedling.cli.render import render_plan

        render_plan(result)
