"""What the commands on the clinic's records share: the settings, the database they point at
(checked to be at the newest schema, never upgraded here) and the clinic's owner the command
line acts as. The database modules load inside these functions so that `--help` stays fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from microneedling.cli.common import fail

if TYPE_CHECKING:
    from microneedling.config import Settings
    from microneedling.services.access import Actor
    from microneedling.services.common import Records

ClinicOption = Annotated[
    str | None, typer.Option("--clinic", help="Clinic name (default: the only clinic).")
]
ActorOption = Annotated[
    str | None,
    typer.Option("--actor", help="Who runs this, for the audit trail (default: your user name)."),
]


def settings() -> Settings:
    """The settings, or exit 2 naming the setting that is wrong."""
    from pydantic import ValidationError

    from microneedling.config import load_settings

    try:
        return load_settings()
    except ValidationError as error:
        problems = "; ".join(
            f"MICRONEEDLING_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
            if e["loc"]
            else e["msg"]
            for e in error.errors(include_url=False)
        )
        fail(problems.replace("Value error, ", ""))


def open_records() -> Records:
    """The database and photo store the settings point at; a database at an older schema (or
    none) is refused with exit 2 and the command that upgrades it."""
    current = settings()  # before the database modules load, so a wrong setting fails fast
    from microneedling.services.admin import schema_problem
    from microneedling.services.common import Records

    records = Records.open(current)
    problem = schema_problem(records)
    if problem is not None:
        fail(problem)
    return records


def upgraded_records(actor: str | None) -> Records:
    """The database brought to the newest schema first (`serve`, `db upgrade`), audited."""
    from microneedling.services.admin import operator_name, upgrade_database
    from microneedling.services.common import Records

    records = Records.open(settings())
    upgrade_database(records, operator_name(actor))
    return records


def owner_of(records: Records, clinic: str | None) -> Actor:
    from microneedling.services.users import local_owner

    return local_owner(records, clinic)
