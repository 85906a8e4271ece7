"""Settings: one generated development secret per data directory, whoever makes it; the photo
store; the clinic's zone under its documented name (and the old one); opening hours in their
short written form."""

from __future__ import annotations

import datetime as dt
import functools
import stat
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from tests.concurrency import at_once

from microneedling.config import (
    SECRET_FILE,
    WEEKDAYS,
    ClinicZone,
    Settings,
    generated_secret,
    parse_opening_hours,
)
from microneedling.errors import InputError


def test_workers_starting_together_read_one_generated_secret(tmp_path: Path) -> None:
    for round_ in range(5):
        data_dir = tmp_path / str(round_)
        secrets = at_once([functools.partial(generated_secret, data_dir)] * 8)
        assert len(set(secrets)) == 1 and isinstance(secrets[0], str) and secrets[0]
        assert [p.name for p in data_dir.iterdir()] == [SECRET_FILE]
        assert stat.S_IMODE((data_dir / SECRET_FILE).stat().st_mode) == 0o600


def test_reading_the_signing_key_writes_nothing(tmp_path: Path) -> None:
    """A local trial's secret is made at set-up; reading the settings never makes it."""
    settings = Settings(environment="development", data_dir=tmp_path / "data")
    with pytest.raises(InputError, match="microneedling db upgrade"):
        settings.signing_key  # noqa: B018 - the read is what is tested
    assert not (tmp_path / "data").exists()
    made = generated_secret(tmp_path / "data")
    assert Settings(environment="development", data_dir=tmp_path / "data").signing_key == made


def test_the_clinics_zone_loads_without_the_other_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`plan` reads the zone alone: production settings without a secret do not stop it."""
    monkeypatch.setenv("MICRONEEDLING_ENVIRONMENT", "production")
    monkeypatch.setenv("MICRONEEDLING_TIMEZONE", "Pacific/Auckland")
    assert ClinicZone().zone == ZoneInfo("Pacific/Auckland")
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings()


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


@pytest.mark.parametrize("variable", ["MICRONEEDLING_TIMEZONE", "MICRONEEDLING_TIME_ZONE"])
def test_the_clinics_zone_is_read_from_either_name(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "Europe/London")
    assert Settings(environment="development").time_zone == "Europe/London"


def test_a_bad_zone_under_the_new_name_is_a_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICRONEEDLING_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="IANA time zone"):
        Settings(environment="development")


def test_opening_hours_name_days_ranges_and_lists() -> None:
    hours = parse_opening_hours("mon-wed 09:00-18:00; thu,sat 10:00-13:30")
    nine_to_six = (dt.time(9), dt.time(18))
    assert hours == {
        0: nine_to_six,
        1: nine_to_six,
        2: nine_to_six,
        3: (dt.time(10), dt.time(13, 30)),
        5: (dt.time(10), dt.time(13, 30)),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mon-fri 9-5", "cannot read"),
        ("fri-mon 09:00-18:00", "runs backwards"),
        ("mon 18:00-09:00", "closes before it opens"),
        ("mon 25:00-26:00", "does not exist"),
        ("xyz 09:00-10:00", "is not a day"),
    ],
)
def test_unreadable_opening_hours_are_a_settings_error(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(environment="development", opening_hours=text)


@given(
    st.dictionaries(
        st.sampled_from(range(7)),
        st.tuples(st.integers(0, 22), st.integers(1, 23)).filter(lambda t: t[0] < t[1]),
    )
)
def test_written_opening_hours_read_back_as_written(hours: dict[int, tuple[int, int]]) -> None:
    text = "; ".join(
        f"{WEEKDAYS[day]} {opens:02d}:00-{closes:02d}:00" for day, (opens, closes) in hours.items()
    )
    expected = {day: (dt.time(o), dt.time(c)) for day, (o, c) in hours.items()}
    assert parse_opening_hours(text) == expected


def test_passwords_are_hashed_at_the_owasp_minimum_unless_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("TIME_COST", "MEMORY_KIB", "PARALLELISM"):
        monkeypatch.delenv(f"MICRONEEDLING_ARGON2_{name}", raising=False)
    chosen = Settings(environment="development", data_dir=tmp_path)
    assert (chosen.argon2_time_cost, chosen.argon2_memory_kib, chosen.argon2_parallelism) == (
        2,
        19 * 1024,
        1,
    )
    monkeypatch.setenv("MICRONEEDLING_ARGON2_MEMORY_KIB", "65536")
    assert Settings(environment="development", data_dir=tmp_path).argon2_memory_kib == 65536


def test_argon2_memory_below_eight_kib_a_lane_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="ARGON2_MEMORY_KIB must be at least 8"):
        Settings(
            environment="development",
            data_dir=tmp_path,
            argon2_memory_kib=16,
            argon2_parallelism=4,
        )
