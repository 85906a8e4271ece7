"""The schema comes from migrations alone, on both databases, and clinical rows are append-only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker
from tests.world import NOW

from microneedling.records.database import (
    _alembic_config,
    current_revision,
    head_revision,
    make_engine,
    transaction,
    upgrade,
)
from microneedling.records.models import (
    CLINICAL_MODELS,
    AppendOnlyError,
    Base,
    Client,
    Intake,
)

CLINICAL_TABLES = [model.__tablename__ for model in CLINICAL_MODELS]  # type: ignore[attr-defined]


def test_migrations_bring_the_database_to_the_head_revision(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_the_head_read_from_the_scripts_is_alembics(tmp_path: Path) -> None:
    """The cheap reading of revisions that every command runs agrees with Alembic's own."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from microneedling.records.database import MIGRATIONS

    assert head_revision() == ScriptDirectory(str(MIGRATIONS)).get_current_head()
    engine = make_engine(f"sqlite:///{tmp_path / 'steps.db'}")
    assert current_revision(engine) is None
    for revision in ("0001", "0008", "head"):
        upgrade(engine, revision)
        with engine.connect() as connection:
            expected = MigrationContext.configure(connection).get_current_revision()
        assert current_revision(engine) == expected
    engine.dispose()


def test_the_models_and_the_migrations_agree(engine: Engine) -> None:
    """A model change without a migration would leave a difference here."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_an_upgrade_keeps_the_rows_of_the_previous_revision(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO clinics (id, name, created_at) VALUES (1, 'Old', '2026-01-01')")
        )
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM clinics")).scalar_one() == "Old"
        assert connection.execute(text("SELECT count(*) FROM login_attempts")).scalar_one() == 0
    assert current_revision(engine) == head_revision()


def test_postgresql_upgrade_from_the_first_revision(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    command.downgrade(_alembic_config(engine), "0001")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO clinics (name, created_at) VALUES ('Old', now())"))
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM clinics")).scalar_one() == "Old"
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_secure_delete(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'db.sqlite'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert connection.execute(text("PRAGMA secure_delete")).scalar_one() == 1


def _client_with_intake(engine: Engine) -> int:
    """An intake written in SQL, so it fits the older schema that the upgrade tests start from
    (the models describe the newest one)."""
    with engine.begin() as connection:
        now = {"now": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}
        clinic = text("INSERT INTO clinics (name, created_at) VALUES ('Rows', :now)")
        connection.execute(clinic, now)
        connection.execute(
            text(
                "INSERT INTO clients (clinic_id, given_name, family_name, version, created_at, "
                "updated_at) VALUES (1, 'Ann', 'Lee', 1, :now, :now)"
            ),
            now,
        )
        connection.execute(
            text(
                "INSERT INTO intakes (clinic_id, client_id, created_at, answers, findings, "
                "knowledge_version) VALUES (1, 1, :now, '{\"age_years\": 30}', '[]', 'x')"
            ),
            now,
        )
        return int(connection.execute(text("SELECT max(id) FROM intakes")).scalar_one())


def test_a_clinical_row_cannot_be_updated_in_place(sessions: sessionmaker[Session]) -> None:
    intake_id = _client_with_intake(sessions.kw["bind"])
    with pytest.raises(AppendOnlyError), transaction(sessions) as db:
        intake = db.get_one(Intake, intake_id)
        intake.answers = {"age_years": 31}
    with sessions() as db:
        assert db.get_one(Intake, intake_id).answers == {"age_years": 30}


def test_a_clinical_row_cannot_be_deleted(sessions: sessionmaker[Session]) -> None:
    intake_id = _client_with_intake(sessions.kw["bind"])
    with pytest.raises(AppendOnlyError), transaction(sessions) as db:
        db.delete(db.get_one(Intake, intake_id))
    with sessions() as db:
        assert db.scalar(select(Intake.id)) == intake_id


def test_foreign_keys_are_enforced(sessions: sessionmaker[Session]) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), transaction(sessions) as db:
        db.add(Client(clinic_id=9999, given_name="Nobody", created_at=NOW))


def test_an_upgrade_refuses_a_forked_history(tmp_path: Path) -> None:
    """Rows amended twice before the unique index existed are named, not silently kept."""
    engine = make_engine(f"sqlite:///{tmp_path / 'forked.db'}")
    upgrade(engine, "0005")  # the revision before the unique index
    intake_id = _client_with_intake(engine)
    with engine.begin() as connection:
        for _ in range(2):
            connection.execute(
                text(
                    "INSERT INTO intakes (clinic_id, client_id, created_at, supersedes_id, "
                    "answers, findings, knowledge_version) SELECT clinic_id, client_id, "
                    "created_at, id, answers, findings, knowledge_version FROM intakes "
                    "WHERE id = :id"
                ),
                {"id": intake_id},
            )
    with pytest.raises(RuntimeError, match=rf"intakes rows \[{intake_id}\] were amended"):
        upgrade(engine)
    engine.dispose()
