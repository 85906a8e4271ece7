"""Engines, sessions and migrations for SQLite (the default) and PostgreSQL.

SQLite gets WAL mode (readers never wait for the writer), foreign keys on, a busy timeout and
secure delete, on every connection. Migrations are Alembic scripts shipped inside the package.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from microneedling.config import Settings

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 5000


def make_engine(url: str) -> Engine:
    """An engine for the URL; a SQLite file's folder is created when missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_recycle=1800)
    if parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created readable by its owner only; SQLite gives its WAL and shared-memory files the
        # same permissions.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(connection: Any, _record: object) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows are overwritten with zeros, so an erased client's data leaves the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def begin_write(db: Session) -> None:
    """On SQLite, take the write lock now (BEGIN IMMEDIATE) rather than at the first write, so
    what this transaction reads before it writes cannot change under it. PostgreSQL locks rows
    instead (see `services.clients.live_client`)."""
    connection = db.connection()
    if connection.dialect.name != "sqlite":
        return
    driver: Any = connection.connection.driver_connection
    if not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock_key(db: Session, key: str) -> None:
    """Hold a lock on `key` until the transaction ends: a PostgreSQL advisory lock; SQLite's
    write transactions are already one at a time."""
    if db.connection().dialect.name == "postgresql":
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        db.execute(text("SELECT pg_advisory_xact_lock(:number)"), {"number": number})


def forget_erased(engine: Engine) -> None:
    """After an erasure, push what the database files may still hold of the erased rows out:
    on SQLite the WAL's old page images are checkpointed into the zeroed main file and the WAL
    truncated; on PostgreSQL a VACUUM frees the dead row versions for reuse (their bytes stay on
    disk until overwritten, and in WAL archives and backups; see docs/records.md)."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    tables = ", ".join(ERASED_TABLES)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM {tables}")


ERASED_TABLES = (
    "clients",
    "appointments",
    "intakes",
    "plans",
    "consents",
    "sessions",
    "photos",
    "scores",
    "jobs",
    "messages",
    "course_due",
    "held_findings",
    "awaiting_follow_ups",
)


def engine_for(settings: Settings) -> Engine:
    return make_engine(settings.sqlalchemy_url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block ends, roll everything back on any error."""
    with factory() as session, session.begin():
        yield session


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to a revision (the newest by default)."""
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema's revision as Alembic records it; None for a database never upgraded. One
    plain query, so that commands can check it on every run without loading Alembic."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return None if found is None else str(found)


_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*=\s*(?:\"([^\"]+)\"|None)", re.MULTILINE)


@cache
def head_revision() -> str:
    """The newest migration: the one no other revises, read from the scripts' text (importing
    Alembic's script machinery costs more than the check it serves)."""
    revised: set[str] = set()
    revisions: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _REVISION_LINE.findall(script.read_text(encoding="utf-8")):
            if value:
                (revisions if name == "revision" else revised).add(value)
    (head,) = revisions - revised  # the chain has one head; two would be a merge to make
    return head
