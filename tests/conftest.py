"""Shared builders for plan requests, and a fresh database per test on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
import time_machine
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker
from tests.postgres_server import PostgresServer, PostgresUnavailable, running_postgres
from tests.world import CLOCK, NOW, World, build_world

from microneedling.config import Settings
from microneedling.records.database import engine_for, make_engine, session_factory, upgrade
from microneedling.records.photo_store import DatabasePhotoStore, PhotoStore, open_photo_store
from microneedling.services import photo_quality
from microneedling.services.common import Records

# Passwords are hashed at argon2's cheapest cost in the tests: every Settings a test makes and
# every server or command it starts reads these (the defaults are tested in test_config.py).
CHEAPEST_HASHING = {
    "MICRONEEDLING_ARGON2_TIME_COST": "1",
    "MICRONEEDLING_ARGON2_MEMORY_KIB": "8",
    "MICRONEEDLING_ARGON2_PARALLELISM": "1",
}
os.environ.update(CHEAPEST_HASHING)

BASE_REQUEST: dict[str, Any] = {
    "setting": "clinic",
    "device": {"type": "pen"},
    "client": {"age_years": 34, "fitzpatrick": 2},
    "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks"]}],
    "as_of": "2026-11-22",
}


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[None]:
    """Every test starts at the world's fixed instant, and time runs on from there (sleeps and
    timeouts still work): the results never depend on the day or hour the suite runs."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def photos_pass_the_quality_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests upload tiny solid-colour images that no quality check would pass; the check and
    its refusal are tested on their own (tests/services/test_photo_quality.py)."""
    monkeypatch.setattr(photo_quality, "quality_problems", lambda _content, _view: [])


def make_request(**changes: Any) -> dict[str, Any]:
    """A valid request with top-level keys replaced and `client` keys merged."""
    request = copy.deepcopy(BASE_REQUEST)
    client = changes.pop("client", {})
    request.update(changes)
    request["client"].update(client)
    return request


@pytest.fixture
def request_data() -> dict[str, Any]:
    return make_request()


# --- databases: every records test runs on SQLite and on a throwaway PostgreSQL -------------

IN_CI = os.environ.get("CI", "").lower() == "true"
DATABASES = ["sqlite", "postgres"]


def _unavailable(reason: str) -> NoReturn:
    """Skip locally; in CI a missing PostgreSQL is a failure, never a silent skip."""
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | str]:
    """The session's PostgreSQL server with a migrated template database, or why there is none."""
    try:
        with running_postgres() as server:
            admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text("CREATE DATABASE template_records"))
            template = make_engine(server.url("template_records"))
            upgrade(template)
            template.dispose()
            yield server
            admin.dispose()
    except PostgresUnavailable as error:
        yield str(error)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


_databases = itertools.count()


@pytest.fixture
def postgres_url(postgres: PostgresServer | str) -> Iterator[str]:
    """A fresh PostgreSQL database cloned from the migrated template."""
    if isinstance(postgres, str):
        _unavailable(postgres)
    name = f"test_{os.getpid()}_{next(_databases)}"
    admin = create_engine(postgres.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text(f"CREATE DATABASE {name} TEMPLATE template_records STRATEGY FILE_COPY")
        )
    yield postgres.url(name)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh SQLite file copied from the migrated template."""
    path = tmp_path / "records.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database per test, once on each database."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        secret_key=SecretStr("test-secret-" + "x" * 32),
        data_dir=tmp_path / "data",
        database_url=database_url,
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = engine_for(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


PHOTO_STORES = ["local", "postgres"]


# Tests whose results hang on the day or the hour: marked `dates`, which `make test` runs again
# under time zones far from UTC (the machine's zone must never be the clinic's).
DATE_SENSITIVE = {
    "tests/services/test_appointments.py",
    "tests/services/test_clients.py",
    "tests/services/test_clock.py",
    "tests/services/test_course.py",
    "tests/services/test_jobs.py",
    "tests/services/test_pre_session.py",
    "tests/services/test_reminders.py",
    "tests/services/test_timeline.py",
    "tests/services/test_today.py",
    "tests/web/pages/test_diary_pages.py",
    "tests/web/pages/test_reminder_pages.py",
    "tests/web/test_diary_api.py",
}
ROOT = Path(__file__).parents[1]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Date-sensitive modules are marked `dates`. The PostgreSQL photo store pairs with
    PostgreSQL only: the SQLite runs of a test parametrized over both stores are not collected
    (a pairing that cannot exist, not a skip)."""
    kept, dropped = [], []
    for item in items:
        if item.path.relative_to(ROOT).as_posix() in DATE_SENSITIVE:
            item.add_marker(pytest.mark.dates)
        params = getattr(item, "callspec", None)
        chosen = params.params if params else {}
        pairless = (
            chosen.get("photo_store_kind") == "postgres" and chosen.get("database_url") == "sqlite"
        )
        (dropped if pairless else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def photo_store_kind(settings: Settings) -> str:
    """The settings' kind of photo store; photo tests parametrize it over `PHOTO_STORES`."""
    return settings.photo_store


@pytest.fixture
def photo_store(photo_store_kind: str, settings: Settings) -> Iterator[PhotoStore]:
    """The photo store of that kind; the PostgreSQL store pairs with PostgreSQL only."""
    kind = photo_store_kind
    store = open_photo_store(settings.model_copy(update={"photo_store": kind}))
    yield store
    if isinstance(store, DatabasePhotoStore):
        store.engine.dispose()


@pytest.fixture
def records(settings: Settings, engine: Engine, photo_store: PhotoStore) -> Records:
    return Records(session_factory(engine), photo_store, settings, CLOCK)


@pytest.fixture
def world(records: Records) -> World:
    return build_world(records)
