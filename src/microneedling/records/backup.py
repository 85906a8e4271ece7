"""Backups: SQLite's online backup (consistent while the app runs) or PostgreSQL's pg_dump in
its custom format; restore replaces the database with a backup made here."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from microneedling.errors import InputError

SQLITE_MAGIC = b"SQLite format 3\x00"


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database or "")


def _libpq_url(url: str) -> str:
    """pg_dump and pg_restore take libpq's URL, without SQLAlchemy's driver name."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        config = shutil.which("pg_config")
        if config:
            bindir = subprocess.run(
                [config, "--bindir"], capture_output=True, text=True, check=True
            ).stdout.strip()
            candidate = Path(bindir) / name
            if candidate.exists():
                return str(candidate)
        raise InputError.one("database", f"{name} is needed for PostgreSQL backups; install it")
    return found


def backup(url: str, target: Path) -> None:
    """Write a backup of the database at `url` to `target`."""
    if target.exists() and target.is_dir():
        raise InputError.one("path", f"'{target}' is a directory; give a file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = _sqlite_path(url)
    if source is not None:
        with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
            live.backup(copy)
        return
    _run([_program("pg_dump"), "--format=custom", "--file", str(target), _libpq_url(url)])


def restore(url: str, source: Path) -> None:
    """Replace the database at `url` with the backup in `source`."""
    if not source.is_file():
        raise InputError.one("path", f"no such backup file '{source}'")
    target = _sqlite_path(url)
    is_sqlite_backup = source.read_bytes()[:16] == SQLITE_MAGIC
    if target is not None:
        if not is_sqlite_backup:
            raise InputError.one("path", f"'{source}' is not a SQLite backup")
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as backup_db, sqlite3.connect(target) as live:
            backup_db.backup(live)
        return
    if is_sqlite_backup:
        raise InputError.one("path", f"'{source}' is a SQLite backup; this database is PostgreSQL")
    _run(
        [
            _program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            _libpq_url(url),
            str(source),
        ]
    )


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise InputError.one("database", f"{Path(command[0]).name} failed: {result.stderr.strip()}")
