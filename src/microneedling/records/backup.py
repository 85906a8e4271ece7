"""Backups: one archive holding the database (SQLite's online backup, consistent while the app
runs, or PostgreSQL's pg_dump in its custom format), every photo file and a manifest with the
schema revision and each file's SHA-256. Restore checks all of it, refuses while a server uses
the database, and replaces the database and the photo store together."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from microneedling import __version__
from microneedling.errors import InputError
from microneedling.records.database import MIGRATIONS, current_revision, make_engine
from microneedling.records.models import Client
from microneedling.records.photo_store import PhotoStore

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


ARCHIVE_FORMAT = "microneedling-backup"
PHOTO_NAME = re.compile(r"photos/[0-9a-f]{64}")
DATABASE_NAMES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}


@dataclass(frozen=True)
class Restored:
    """What a restore brought back, and the clients erased since the backup was taken."""

    photos: int
    erased_since: list[int]


def backup(url: str, photos: PhotoStore, target: Path, now: dt.datetime) -> int:
    """Write one archive to `target` (0600): the database, every photo file and a manifest
    with the schema revision, the time it was taken (`now`) and each member's SHA-256.
    Returns the number of photos."""
    if target.exists() and target.is_dir():
        raise InputError.one("path", f"'{target}' is a directory; give a file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    kind = "sqlite" if _sqlite_path(url) is not None else "postgresql"
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / DATABASE_NAMES[kind]
        _dump_database(url, dump)
        digests = sorted(photos.stored())
        files = {DATABASE_NAMES[kind]: _sha256(dump)}
        files |= {
            f"photos/{digest}": hashlib.sha256(photos.read(digest)).hexdigest()
            for digest in digests
        }
        manifest = {
            "format": ARCHIVE_FORMAT,
            "version": __version__,
            "schema": _revision_of(url),
            "database": kind,
            "created_at": now.isoformat(),
            "files": files,
        }
        handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.chmod(target, 0o600)
        with os.fdopen(handle, "wb") as stream, tarfile.open(fileobj=stream, mode="w") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
            tar.add(dump, arcname=DATABASE_NAMES[kind], recursive=False)
            for digest in digests:
                _add_bytes(tar, f"photos/{digest}", photos.read(digest))
    return len(digests)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def restore(url: str, photos: PhotoStore, source: Path, data_dir: Path) -> Restored:
    """Replace the database and the photo store with an archive made by `backup`, after
    checking it is this project's, of a known schema, intact, and that no server is using the
    database. Lists the clients erased after the backup was taken: erase them again."""
    if not source.is_file():
        raise InputError.one("path", f"no such backup file '{source}'")
    kind = "sqlite" if _sqlite_path(url) is not None else "postgresql"
    with tempfile.TemporaryDirectory() as work:
        manifest = _unpack(source, Path(work))
        if manifest.get("database") != kind:
            raise InputError.one(
                "path", f"'{source}' is a {manifest.get('database')} backup; this is {kind}"
            )
        _refuse_while_served(url, data_dir)
        erased = _erased_since(url, str(manifest["created_at"]))
        _load_database(url, Path(work) / DATABASE_NAMES[kind])
        kept = {
            name.removeprefix("photos/") for name in manifest["files"] if name.startswith("photos/")
        }
        for digest in kept:
            photos.put((Path(work) / "photos" / digest).read_bytes())
        for digest in photos.stored() - kept:
            photos.remove(digest)
    return Restored(photos=len(kept), erased_since=erased)


def _unpack(source: Path, into: Path) -> dict[str, Any]:
    """The archive's manifest, once every member is checked against it."""
    try:
        with tarfile.open(source, mode="r:") as tar:
            members = tar.getmembers()
            names = [member.name for member in members]
            allowed = {"manifest.json", *DATABASE_NAMES.values()}
            unknown = [
                member
                for member in members
                if not member.isfile()
                or (member.name not in allowed and not PHOTO_NAME.fullmatch(member.name))
            ]
            if "manifest.json" not in names or unknown:
                raise InputError.one("path", f"'{source}' is not a backup made by this program")
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError):
        raise InputError.one("path", f"'{source}' is not a backup made by this program") from None
    manifest: dict[str, Any] = json.loads((into / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != ARCHIVE_FORMAT:
        raise InputError.one("path", f"'{source}' is not a backup made by this program")
    if manifest.get("schema") not in _known_revisions():
        raise InputError.one(
            "path",
            f"'{source}' has schema {manifest.get('schema')!r}, which this version does not know",
        )
    for name, digest in manifest["files"].items():
        path = into / name
        if not path.is_file() or _sha256(path) != digest:
            raise InputError.one("path", f"'{source}' is damaged: {name} fails its checksum")
    return manifest


def _refuse_while_served(url: str, data_dir: Path) -> None:
    """A restore under a running server would mix two histories: refuse it. `serve` holds a
    lock file in the data directory; on PostgreSQL any other connection counts."""
    if _sqlite_path(url) is not None:
        if server_lock_held(data_dir):
            raise InputError.one("database", "a server is running on this database; stop it first")
        return
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.connect() as connection:
        others = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    engine.dispose()
    if others:
        raise InputError.one(
            "database", f"{others} other connections use this database; stop the server first"
        )


def _erased_since(url: str, created_at: str) -> list[int]:
    since = dt.datetime.fromisoformat(created_at)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Client.id, Client.erased_at).where(Client.erased_at.is_not(None))
            )
            return sorted(row.id for row in rows if row.erased_at > since)
    except SQLAlchemyError:
        return []
    finally:
        engine.dispose()


def _revision_of(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _dump_database(url: str, target: Path) -> None:
    source = _sqlite_path(url)
    if source is not None:
        with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
            live.backup(copy)
        return
    _run([_program("pg_dump"), "--format=custom", "--file", str(target), _libpq_url(url)])


def _load_database(url: str, dump: Path) -> None:
    target = _sqlite_path(url)
    if target is not None:
        if dump.read_bytes()[:16] != SQLITE_MAGIC:
            raise InputError.one("path", "the backup's database is not a SQLite file")
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(dump) as backup_db, sqlite3.connect(target) as live:
            backup_db.backup(live)
        return
    _run(
        [
            _program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            _libpq_url(url),
            str(dump),
        ]
    )


SERVER_LOCK = "server.lock"


@contextmanager
def server_lock(data_dir: Path) -> Iterator[None]:
    """Held by `serve` while it runs, so a restore can tell the database is in use."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = os.open(data_dir / SERVER_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_SH)
        yield
    finally:
        os.close(handle)


def server_lock_held(data_dir: Path) -> bool:
    path = data_dir / SERVER_LOCK
    if not path.exists():
        return False
    handle = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(handle)
    return False


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise InputError.one("database", f"{Path(command[0]).name} failed: {result.stderr.strip()}")
