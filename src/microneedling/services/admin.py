"""Operations on the whole database, run from the command line: upgrade its schema, back it up,
restore it. Each leaves an audit row naming who ran it (an operating-system user or the name
given), what and when; the other commands only check that the schema is current, since
upgrading on every run costs each of them a quarter of a second."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from microneedling.config import Settings, generated_secret
from microneedling.records.audit import audit
from microneedling.records.backup import Restored
from microneedling.records.backup import backup as write_backup
from microneedling.records.backup import restore as read_backup
from microneedling.records.database import current_revision, head_revision, upgrade
from microneedling.records.photo_store import open_photo_store
from microneedling.services.common import Records

UPGRADE_FIX = "microneedling db upgrade"


def operator_name(given: str | None = None) -> str:
    """Who runs a command: the name given (`--actor`), else the operating-system user."""
    if given:
        return given
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or the password database
        return f"uid {os.getuid()}"


def prepare_secret(settings: Settings) -> None:
    """Write the generated signing secret of a local trial (development mode without
    MICRONEEDLING_SECRET_KEY), so that reading the settings never has to."""
    if settings.uses_placeholder_secret and settings.environment == "development":
        generated_secret(settings.data_dir)


def schema_problem(records: Records) -> str | None:
    """Why the database cannot be used as it is (empty, or at an older schema), with the
    command that fixes it; None when it is at the newest revision."""
    found, needed = current_revision(records.engine), head_revision()
    if found == needed:
        return None
    state = "has no tables yet" if found is None else f"is at schema revision {found}"
    return f"the database {state}; this version needs {needed}: run `{UPGRADE_FIX}`"


def upgrade_database(records: Records, operator: str) -> str:
    """Bring the schema to the newest revision and return it; audited when it moved."""
    prepare_secret(records.settings)
    before = current_revision(records.engine)
    upgrade(records.engine)
    after = head_revision()
    if before != after:
        _audit(records, operator, "database.upgrade")
    return after


def back_up(records: Records, operator: str, target: Path) -> int:
    """Write an archive of the database and the photos (`records.backup`); the audit row
    lands in the live database once the archive is whole. Returns the number of photos."""
    photos = write_backup(
        records.settings.sqlalchemy_url, records.photos, target, records.clock.now()
    )
    _audit(records, operator, "database.backup")
    return photos


def restore_database(settings: Settings, operator: str, source: Path) -> Restored:
    """Replace the database and the photos with a backup, bring its schema to the newest
    revision and audit the restore in the restored database.

    The database is opened only after the restore: an open connection counts as a user of
    it, and a restore refuses to run under one."""
    photos = open_photo_store(settings)  # (a database store connects on first use)
    restored = read_backup(settings.sqlalchemy_url, photos, source, settings.data_dir)
    records = Records.open(settings)
    upgrade(records.engine)
    _audit(records, operator, "database.restore")
    return restored


def _audit(records: Records, operator: str, action: str) -> None:
    with records.transaction() as db:
        audit(
            db,
            clinic_id=None,
            actor_id=None,
            action=action,
            entity="database",
            entity_id=None,
            operator=operator,
            at=records.clock.now(),
        )
