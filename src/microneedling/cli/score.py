"""`microneedling score`: the validated scoring instruments (scores.md) on the command line.

Only typer is imported here; the scores, pydantic and rich load inside the command so that
`microneedling --help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from microneedling.scores import Instrument, ScoreChange, ScoreResult

HELP = (
    "Score an assessment with a validated instrument, list the instruments, or compare two "
    "assessments.\n\n"
    "\b\n"
    "  microneedling score list [--json]\n"
    "  microneedling score CODE INPUT.json [--json]   ('-' reads standard input)\n"
    "  microneedling score CODE --interactive [--json]\n"
    "  microneedling score CODE BEFORE.json AFTER.json --change [--json]\n\n"
    "With --json a score prints instrument, score, band, range and references (and more); a "
    "change prints after - before, absolute and relative (%), and whether it is a clinically "
    "meaningful improvement where a published rule defines one (null otherwise). GAIS already "
    "rates change, so it takes no --change.\n\n"
    "An unknown code, a bad, missing or unknown item, bad JSON or a missing file exits with "
    "status 2 and a message that names the item and its allowed values."
)


def register(app: typer.Typer) -> None:
    """Add the `score` command to the CLI."""
    app.command("score", help=HELP)(score)


def score(
    code: Annotated[str, typer.Argument(help="Instrument code (see 'score list'), or 'list'.")],
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="INPUT.json, or BEFORE.json AFTER.json with --change; '-' reads standard input.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    interactive: Annotated[
        bool, typer.Option("--interactive", "-i", help="Ask item by item instead of reading JSON.")
    ] = False,
    change: Annotated[
        bool, typer.Option("--change", help="Compare BEFORE.json with AFTER.json.")
    ] = False,
) -> None:
    from microneedling.cli.common import fail

    paths = inputs or []
    if code == "list":
        if paths or interactive or change:
            fail("'score list' takes no input files, --interactive or --change")
        _list(as_json)
        return
    from microneedling import scores

    instrument = scores.get(code)
    if change:
        _compare(instrument, paths, interactive, as_json)
    else:
        _score_one(instrument, paths, interactive, as_json)


def _score_one(instrument: Instrument, paths: list[str], interactive: bool, as_json: bool) -> None:
    from microneedling.cli.common import fail, print_json, read_json

    if interactive:
        if paths:
            fail("--interactive reads no input file")
        data: Any = _ask(instrument)
    elif len(paths) == 1:
        data = read_json(paths[0], "input")
    elif not paths:
        fail("give INPUT.json ('-' reads standard input), or --interactive")
    else:
        fail(f"give one INPUT.json, not {len(paths)} (comparing two needs --change)")
    result = instrument.score(data)
    if as_json:
        print_json(_with_citations(result.as_json(), result.references))
    else:
        _render_result(instrument, result)


def _compare(instrument: Instrument, paths: list[str], interactive: bool, as_json: bool) -> None:
    from microneedling import scores
    from microneedling.cli.common import fail, print_json, read_json

    if interactive or len(paths) != 2:
        fail("--change needs exactly two files, BEFORE.json and AFTER.json, and no --interactive")
    if paths.count("-") > 1:
        fail("only one of BEFORE and AFTER can be '-' (standard input)")
    instrument.ensure_comparable()  # before reading files: GAIS is refused whatever they hold
    before, after = read_json(paths[0], "before"), read_json(paths[1], "after")
    compared = scores.change(instrument.code, before, after)
    if as_json:
        print_json(_with_citations(compared.as_json(), compared.references))
    else:
        _render_change(instrument, compared)


def _ask(instrument: Instrument) -> dict[str, Any]:
    """Prompt (on stderr, so --json output stays clean) until every item has a valid answer."""
    from microneedling.scores.form import Form

    form = Form(instrument)
    typer.echo(f"{instrument.name} ({instrument.code})", err=True)
    while (question := form.next_question()) is not None:
        text = typer.prompt(
            question.prompt,
            default=None if question.required else "",
            show_default=False,
            err=True,
        )
        for problem in form.answer(question, str(text)):
            typer.echo(f"  {problem}; please answer again", err=True)
    return form.answers


def _with_citations(data: dict[str, Any], references: tuple[str, ...]) -> dict[str, Any]:
    from microneedling.scores.references import citations_for

    return {**data, "citations": citations_for(references)}


def _list(as_json: bool) -> None:
    from microneedling.cli.common import print_rows
    from microneedling.scores.registry import UNAVAILABLE, catalogue

    rows = catalogue()

    def render() -> None:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="Scoring instruments")
        table.add_column("code", no_wrap=True)
        table.add_column("name")
        table.add_column("range")
        table.add_column("reference")
        citations: dict[str, str] = {}
        for row in rows:
            ranges = row.get("ranges") or {"": row["range"]}
            text = " or ".join(
                f"{low} to {high}" + (f" ({name})" if name else "")
                for name, (low, high) in ranges.items()
            )
            table.add_row(row["code"], row["name"], text, ", ".join(row["references"]))
            citations.update(zip(row["references"], row["citations"], strict=True))
        console = Console()
        console.print(table)
        for code, reason in UNAVAILABLE.items():
            console.print(f"Not available: {code}: {reason}", highlight=False)
        console.print("\n[bold]References[/]")
        for reference_id, citation in sorted(citations.items()):
            console.print(f"- [{reference_id}] {citation}", highlight=False, markup=False)

    print_rows(rows, as_json, render)


def _render_result(instrument: Instrument, result: ScoreResult) -> None:
    from rich.console import Console
    from rich.table import Table

    from microneedling.scores.references import citations_for

    low, high = result.range
    table = Table(title=f"{instrument.name} ({instrument.code})", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("score", f"{result.score:g}  (range {low:g} to {high:g})")
    table.add_row("band", result.band or "none (no published bands)")
    optional = {
        "scale": result.scale,
        "part": result.part,
        "overall opinion": result.overall_opinion,
        "sub-class": result.subclass,
        "responded": None if result.responded is None else ("yes" if result.responded else "no"),
    }
    for label, value in optional.items():
        if value is not None:
            table.add_row(label, str(value))
    if result.subscores:
        table.add_row("sub-scores", ", ".join(f"{k} {v:g}" for k, v in result.subscores.items()))
    for warning in result.warnings:
        table.add_row("warning", warning)
    table.add_row("references", "\n".join(citations_for(result.references)))
    Console().print(table)


def _render_change(instrument: Instrument, compared: ScoreChange) -> None:
    from rich.console import Console
    from rich.table import Table

    def described(result: ScoreResult) -> str:
        return f"{result.score:g}" + (f" ({result.band})" if result.band else "")

    relative = compared.relative_change_pct
    meaningful = compared.clinically_meaningful_improvement
    table = Table(title=f"{instrument.name} ({instrument.code}): change", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("before", described(compared.before))
    table.add_row("after", described(compared.after))
    table.add_row("absolute change", f"{compared.absolute_change:+g}")
    table.add_row(
        "relative change", "n/a (before is 0)" if relative is None else f"{relative:+.1f} %"
    )
    table.add_row(
        "clinically meaningful improvement",
        "no published rule" if meaningful is None else ("yes" if meaningful else "no"),
    )
    if compared.change_rule:
        table.add_row("rule", compared.change_rule)
    for warning in (*compared.before.warnings, *compared.after.warnings):
        table.add_row("warning", warning)
    Console().print(table)
