"""Interoperability on the command line: import a client from a FHIR R4 bundle, export a
client as one, and export sessions and scores for research.

Only typer is imported at module level; the records, the services and `fhir.resources` load
inside the commands so that `microneedling --help` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from microneedling.cli.database import ClinicOption

if TYPE_CHECKING:
    from microneedling.services.access import Actor
    from microneedling.services.common import Records

FHIR_EXTRA_MODULES = ("fhir", "fhir_core", "simple_icd_10_cm")
IMPORT_HELP = (
    "Create a client from a FHIR R4 Bundle: its Patient, its Conditions (project codes or "
    "ICD-10-CM, kept in the client's notes) and its Fitzpatrick phototype.\n\n"
    "Anything that cannot be mapped is listed and nothing is imported (exit status 2). With "
    "--skip-unmapped, resources of other types (plans, sessions, scores, photos) are left out "
    "and counted instead. A bundle about a client the clinic already has (same identifier, or "
    "same name and birth date) is refused unless --merge adds it to that client."
)


def register(app: typer.Typer) -> None:
    """Add `import` and `research-export` to the CLI."""
    app.command("import", help=IMPORT_HELP)(import_command)
    app.command("research-export")(research_export_command)


@contextmanager
def _fhir_extra_exit() -> Iterator[None]:
    """A missing `fhir` extra exits with status 2 and the line that installs it (bad input and
    refusals exit through the CLI's one wrapper, around every command)."""
    from microneedling.cli.common import fail

    try:
        yield
    except ModuleNotFoundError as error:
        if error.name is None or error.name.split(".")[0] not in FHIR_EXTRA_MODULES:
            raise
        fail(f"{error.name} is missing: install the fhir extra (pip install 'microneedling[fhir]')")


def _open(clinic: str | None) -> tuple[Records, Actor]:
    """The database the settings point at, and its clinic's owner."""
    from microneedling.cli.database import open_records, owner_of

    records = open_records()
    return records, owner_of(records, clinic)


def export_fhir_command(client_id: int, clinic: str | None, inline_photos: bool) -> None:
    """Print one client's record as a FHIR R4 Bundle (`export --fhir CLIENT_ID`)."""
    from microneedling.cli.common import print_json
    from microneedling.services.interop import export_fhir

    records, actor = _open(clinic)
    with _fhir_extra_exit():
        bundle = export_fhir(records, actor, client_id, inline_photos=inline_photos)
    print_json(bundle)


def import_command(
    fhir: Annotated[str, typer.Option("--fhir", help="BUNDLE.json; '-' reads standard input.")],
    clinic: ClinicOption = None,
    skip_unmapped: Annotated[
        bool,
        typer.Option("--skip-unmapped", help="Leave out resources other than Patient/Condition."),
    ] = False,
    merge: Annotated[
        bool,
        typer.Option("--merge", help="Add the bundle to the client it matches, if any."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    from microneedling.cli.common import print_json
    from microneedling.interop.fhir_import import load_json
    from microneedling.services.interop import import_fhir

    with _fhir_extra_exit():
        bundle = load_json(_read_bytes(fhir))
        records, actor = _open(clinic)
        report = import_fhir(records, actor, bundle, skip_unmapped=skip_unmapped, merge=merge)
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    client = report.client
    done = "Merged into" if report.merged else "Imported"
    typer.echo(f"{done} client {client.id}: {client.given_name} {client.family_name}")
    for line in report.conditions:
        typer.echo(f"  condition: {line}")
    for identifier in report.identifiers:
        typer.echo(f"  identifier: {identifier}")
    for kind, count in report.skipped.items():
        typer.echo(f"  left out: {count} {kind}")


def _read_bytes(source: str) -> bytes:
    """The bytes of a file, or of standard input when the path is `-`."""
    from microneedling.cli.common import fail

    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as error:
        fail(f"--fhir: cannot read '{source}': {error.strerror}")


def research_export_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the files into.")],
    export_format: Annotated[
        str, typer.Option("--format", help="csv (a file per table) or json (one file).")
    ] = "csv",
    clinic: ClinicOption = None,
) -> None:
    """Export pseudonymised sessions and scores for research, with a data dictionary.

    Prints the smallest group of subjects sharing an age band, sex and phototype, and warns
    on standard error when it is below k = 5."""
    from microneedling.cli.common import fail
    from microneedling.services.research_export import research_export

    if export_format not in ("csv", "json"):
        fail(f"--format: unknown format '{export_format}' (allowed: csv, json)")
    records, actor = _open(clinic)
    export = research_export(records, actor, "json" if export_format == "json" else "csv")
    out.mkdir(parents=True, exist_ok=True)
    for name, text in export.files.items():
        (out / name).write_text(text, encoding="utf-8")
        typer.echo(str(out / name))
    typer.echo(f"smallest group on (age band, sex, phototype): {export.smallest_group} subject(s)")
    if export.warning:
        typer.echo(f"Warning: {export.warning}", err=True)
