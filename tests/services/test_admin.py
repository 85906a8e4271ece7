"""The admin service: a database at an older schema is named with the command that fixes it,
and an upgrade is audited once, with who ran it and the clock's time."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select
from tests.world import CLOCK, NOW

from microneedling.config import Settings
from microneedling.records.database import head_revision, upgrade
from microneedling.records.models import AuditEntry
from microneedling.services.admin import operator_name, schema_problem, upgrade_database
from microneedling.services.common import Records


def _records(tmp_path: Path) -> Records:
    settings = Settings(
        environment="test",
        secret_key=SecretStr("test-secret-" + "x" * 32),
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'old.db'}",
    )
    return Records.open(settings, CLOCK)


def test_an_older_schema_is_refused_until_upgraded_and_the_upgrade_audited(
    tmp_path: Path,
) -> None:
    records = _records(tmp_path)
    assert "has no tables yet" in (schema_problem(records) or "")
    upgrade(records.engine, "0001")
    problem = schema_problem(records)
    assert problem == (
        f"the database is at schema revision 0001; this version needs {head_revision()}: "
        "run `microneedling db upgrade`"
    )
    assert upgrade_database(records, "ops") == head_revision()
    assert schema_problem(records) is None
    assert upgrade_database(records, "ops") == head_revision()  # nothing moved: no new row
    with records.transaction() as db:
        rows = db.scalars(select(AuditEntry).where(AuditEntry.entity == "database")).all()
        assert [(row.action, row.operator, row.at, row.clinic_id) for row in rows] == [
            ("database.upgrade", "ops", NOW, None)
        ]
    records.engine.dispose()


def test_the_operator_is_the_name_given_or_the_system_user() -> None:
    assert operator_name("Night shift") == "Night shift"
    assert operator_name(None)
