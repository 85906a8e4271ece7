"""Settings: the generated development secret is one per data directory, whoever makes it."""

from __future__ import annotations

import functools
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError
from tests.concurrency import at_once

from microneedling.config import SECRET_FILE, Settings, generated_secret


def test_workers_starting_together_read_one_generated_secret(tmp_path: Path) -> None:
    for round_ in range(5):
        data_dir = tmp_path / str(round_)
        secrets = at_once([functools.partial(generated_secret, data_dir)] * 8)
        assert len(set(secrets)) == 1 and isinstance(secrets[0], str) and secrets[0]
        assert [p.name for p in data_dir.iterdir()] == [SECRET_FILE]
        assert stat.S_IMODE((data_dir / SECRET_FILE).stat().st_mode) == 0o600


def test_the_postgres_photo_store_is_refused_on_sqlite(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="photo_store"):
        Settings(environment="test", data_dir=tmp_path, photo_store="postgres")
    chosen = Settings(
        environment="development",
        data_dir=tmp_path,
        database_url="postgresql://clinic@db.internal/records",
        photo_store="postgres",
    )
    assert chosen.photo_store == "postgres"
