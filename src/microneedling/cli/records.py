"""Commands for the clinic's records and server: serve, worker, db upgrade, users create,
clients list, lots recall, photos migrate, backup, restore, export and demo. The database, web
and settings modules load
inside each command so that `--help` and `plan` stay fast."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from microneedling.cli.common import fail, print_json
from microneedling.cli.database import (
    ActorOption,
    ClinicOption,
    open_records,
    owner_of,
    settings,
    upgraded_records,
)

if TYPE_CHECKING:
    from microneedling.services.common import Records

db_app = typer.Typer(
    help="The database: create or upgrade its tables, check the photo store.", no_args_is_help=True
)
users_app = typer.Typer(help="Users of a clinic.", no_args_is_help=True)
clients_app = typer.Typer(help="Clients of a clinic.", no_args_is_help=True)
photos_app = typer.Typer(help="The photo store.", no_args_is_help=True)
lots_app = typer.Typer(help="Lots of the clinic's products.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("worker")(worker)
    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
    app.add_typer(clients_app, name="clients")
    app.add_typer(photos_app, name="photos")
    app.add_typer(lots_app, name="lots")
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("export")(export)
    app.command("demo")(demo)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    job_worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="Run the jobs (reminders) in this process too; --no-worker when "
            "`microneedling worker` runs them elsewhere.",
        ),
    ] = True,
    actor: ActorOption = None,
) -> None:
    """Serve the web app and the JSON API (the database is upgraded first), with a job worker
    thread unless --no-worker."""
    import threading

    from microneedling.records.backup import server_lock
    from microneedling.web.serving import serve_app

    records = upgraded_records(actor)
    typer.echo(f"Serving on http://{host}:{port}  (API docs: http://{host}:{port}/api/docs)")
    stop = threading.Event()
    with server_lock(records.settings.data_dir):
        if job_worker:
            threading.Thread(
                target=_work, args=(records, stop), name="job-worker", daemon=True
            ).start()
        try:
            serve_app(host, port, workers)
        finally:
            stop.set()


def _handlers(records: Records) -> Any:
    """Every kind of job: reminders, photo analyses, and documents e-mailed on request (their
    PDFs made by the web layer's templates)."""
    from microneedling.services.document_mail import document_handlers
    from microneedling.services.notify import notifier_for
    from microneedling.services.reminders import job_handlers
    from microneedling.web.documents import pdf_for

    documents = document_handlers(notifier_for(records.settings), pdf_for)
    return {**job_handlers(records), **documents}


def _work(records: Records, stop: Any) -> None:
    from microneedling.services.jobs import work

    work(records, _handlers(records), stop)


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Run every job that is due now, then exit.")
    ] = False,
) -> None:
    """Run the jobs (reminders by e-mail) until stopped (Ctrl-C or SIGTERM); several workers
    may run at once on PostgreSQL."""
    import logging
    import signal
    import threading

    from microneedling.services.admin import prepare_secret
    from microneedling.services.jobs import run_due, work

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    records = open_records()
    prepare_secret(records.settings)  # a local trial's reminders sign their links with it
    handlers = _handlers(records)
    if once:
        typer.echo(f"Ran {run_due(records, handlers)} jobs.")
        return
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    typer.echo("Running jobs; stop with Ctrl-C.")
    work(records, handlers, stop)


@db_app.command("upgrade")
def db_upgrade(actor: ActorOption = None) -> None:
    """Create the tables or bring them to the newest version; every other command but `serve`
    refuses a database that is not at it."""
    from microneedling.records.database import current_revision

    records = upgraded_records(actor)
    typer.echo(f"Database at revision {current_revision(records.engine)}.")


@db_app.command("check")
def db_check() -> None:
    """Check the photo store against the database: every photo has its file, every file a
    photo. Exits 1 listing each problem."""
    from microneedling.services.integrity import check_photo_store

    report = check_photo_store(open_records())
    for problem in report.problems:
        typer.echo(problem, err=True)
    typer.echo(
        f"{report.photos} photos, {report.files} files: "
        + (f"{len(report.problems)} problems." if report.problems else "all present and used.")
    )
    if report.problems:
        raise typer.Exit(1)


@photos_app.command("migrate")
def photos_migrate(
    to: Annotated[
        Literal["local", "postgres"],
        typer.Option("--to", help="local: the data directory; postgres: the database."),
    ],
) -> None:
    """Move every photo file into one store from the other, checking each file's SHA-256 as
    read back; run it again to finish an interrupted move. Then set MICRONEEDLING_PHOTO_STORE
    to the new store and restart the servers."""
    from microneedling.records.photo_store import move_photos, open_photo_store

    records = open_records()
    if not records.settings.sqlalchemy_url.startswith("postgresql"):
        fail("--to: the postgres photo store needs MICRONEEDLING_DATABASE_URL to be PostgreSQL")
    stores = {
        kind: open_photo_store(records.settings.model_copy(update={"photo_store": kind}))
        for kind in ("local", "postgres")
    }
    source = stores["postgres" if to == "local" else "local"]
    moved = move_photos(source, stores[to])
    for problem in moved.problems:
        typer.echo(problem, err=True)
    typer.echo(
        f"Moved {moved.moved} photo files to {to} ({moved.already_there} were there already); "
        f"{len(moved.problems)} left in place."
    )
    if moved.problems:
        raise typer.Exit(1)


@users_app.command("create")
def users_create(
    clinic: Annotated[str, typer.Option(help="Clinic name (created if new).")],
    role: Annotated[str, typer.Option(help="owner, clinician, assistant or read_only.")],
    email: Annotated[str, typer.Option(help="E-mail address, used to log in.")],
    full_name: Annotated[str | None, typer.Option(help="Full name (default: the e-mail).")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Add a user to a clinic; the password is prompted for (or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    records = open_records()
    from microneedling.services.users import create_user

    user = create_user(
        records,
        None,
        {"email": email, "full_name": full_name or email, "role": role, "password": password},
        clinic_name=clinic,
    )
    typer.echo(f"Created {user.role} {user.email} (user {user.id}) in clinic '{clinic}'.")


@users_app.command("set")
def users_set(
    email: Annotated[str, typer.Option(help="The user's e-mail address.")],
    clinic: ClinicOption = None,
    role: Annotated[str | None, typer.Option(help="A new role.")] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Reactivate or deactivate.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Reset the password, read from stdin.")
    ] = False,
) -> None:
    """Change a user's role, deactivate or reactivate them, or reset their password; their
    tokens stop working at once."""
    records = open_records()
    from microneedling.services.users import find_user, update_user

    change: dict[str, object] = {}
    if role is not None:
        change["role"] = role
    if active is not None:
        change["active"] = active
    if password_stdin:
        change["password"] = sys.stdin.readline().rstrip("\n")
    owner = owner_of(records, clinic)
    user = find_user(records, owner, email)
    user = update_user(records, owner, user.id, {"version": user.version, **change})
    state = "active" if user.active else "inactive"
    typer.echo(f"{user.email}: {user.role}, {state} (version {user.version}).")


@clients_app.command("list")
def clients_list(
    clinic: ClinicOption = None,
    query: Annotated[str, typer.Option("--query", "-q", help="Start of a name.")] = "",
    limit: Annotated[
        int, typer.Option(min=1, help="At most MICRONEEDLING_PAGE_SIZE_MAX (500).")
    ] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List a clinic's clients, optionally those whose name starts with --query."""
    records = open_records()
    from microneedling.services.clients import search_clients

    page = search_clients(records, owner_of(records, clinic), {"q": query, "limit": limit})
    if as_json:
        print_json(page.model_dump(mode="json"))
        return
    for client in page.items:
        born = client.birth_date.isoformat() if client.birth_date else "-"
        typer.echo(f"{client.id:>6}  {client.family_name}, {client.given_name}  born {born}")
    typer.echo(f"{len(page.items)} of {page.total} clients")


@lots_app.command("recall")
def lots_recall(
    lot_number: Annotated[str, typer.Argument(metavar="LOT", help="The lot number recalled.")],
    clinic: ClinicOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every session and client that used a lot, by its number, with their contact
    details (an empty list when no session used it)."""
    records = open_records()
    from microneedling.services.lot_use import recall_by_number

    recall = recall_by_number(records, owner_of(records, clinic), lot_number)
    if as_json:
        print_json(recall.model_dump(mode="json"))
        return
    for lot in recall.lots:
        state = f"recalled {lot.recalled_on}" if lot.recalled else "not recalled"
        typer.echo(
            f"Lot {lot.lot_number} of {lot.product.name} ({lot.product.manufacturer}), "
            f"expires {lot.expires_on}, {lot.quantity_in_stock} in stock, {state}"
        )
    for used in recall.sessions:
        contact = " · ".join(value for value in (used.email, used.phone) if value) or "-"
        typer.echo(
            f"{used.performed_on}  session {used.session_id:>6}  client {used.client_id:>6}  "
            f"{used.client_name}  {contact}"
        )
    count = len(recall.sessions)
    typer.echo(f"{count} session{'' if count == 1 else 's'} used lot {recall.lot_number}.")


def backup(
    path: Annotated[Path, typer.Argument(help="Archive file to write.")],
    actor: ActorOption = None,
) -> None:
    """Back up the database and the photos into one archive (created readable by you only)."""
    from microneedling.services.admin import back_up, operator_name

    records = open_records()
    photos = back_up(records, operator_name(actor), path)
    typer.echo(f"Backed up the database and {photos} photos to {path}.")


def restore(
    path: Annotated[Path, typer.Argument(help="Archive made by 'backup'.")],
    actor: ActorOption = None,
) -> None:
    """Replace the database and the photos with a backup (stop the server first); its schema
    is then brought to the newest version."""
    from microneedling.services.admin import operator_name, restore_database

    restored = restore_database(settings(), operator_name(actor), path)
    typer.echo(f"Restored the database and {restored.photos} photos from {path}.")
    if restored.erased_since:
        ids = ", ".join(map(str, restored.erased_since))
        typer.echo(f"Clients erased after this backup was taken, back again: {ids}. Erase them.")


def export(
    format: Annotated[
        Literal["json", "csv"], typer.Option("--format", help="json: all records; csv: sessions.")
    ] = "json",
    clinic: ClinicOption = None,
    out: Annotated[Path | None, typer.Option(help="File to write (default: stdout).")] = None,
    fhir: Annotated[
        int | None,
        typer.Option("--fhir", metavar="CLIENT_ID", help="One client as a FHIR R4 Bundle."),
    ] = None,
    inline_photos: Annotated[
        bool, typer.Option("--inline-photos", help="With --fhir: put photo bytes in the bundle.")
    ] = False,
) -> None:
    """Export a clinic's records as JSON, its sessions as CSV, or one client as FHIR R4."""
    import json

    if fhir is not None:
        from microneedling.cli.interop import export_fhir_command

        export_fhir_command(fhir, clinic, inline_photos)
        return
    records = open_records()
    from microneedling.services.exports import export_json, export_sessions_csv

    actor = owner_of(records, clinic)
    if format == "csv":
        text = export_sessions_csv(records, actor)
    else:
        text = json.dumps(export_json(records, actor), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {out}.")


def demo() -> None:
    """Create a demo clinic with users and a dozen synthetic clients (once; again is a no-op)."""
    records = open_records()
    from microneedling.services.admin import prepare_secret
    from microneedling.services.demo import create_demo

    prepare_secret(records.settings)  # `make run`: the log-ins need it, later commands find it
    result = create_demo(records)
    state = "Created" if result.created else "Already there, unchanged:"
    typer.echo(f"{state} '{result.clinic}' with {result.clients} synthetic clients.")
    typer.echo("Demo log-ins (e-mail / password):")
    for role, email, password in result.logins:
        typer.echo(f"  {role:<10} {email} / {password}")
