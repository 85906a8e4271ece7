"""The services' one clock: today is the clinic's day, whatever the server's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from microneedling.config import Settings
from microneedling.services.clock import Clock

EVENING_UTC = dt.datetime(2026, 12, 1, 20, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("zone", "today"),
    [
        pytest.param("UTC", dt.date(2026, 12, 1), id="utc"),
        pytest.param("Pacific/Kiritimati", dt.date(2026, 12, 2), id="utc+14-already-tomorrow"),
        pytest.param("America/Los_Angeles", dt.date(2026, 12, 1), id="utc-8-same-day"),
    ],
)
def test_today_is_the_date_in_the_clinics_time_zone(zone: str, today: dt.date) -> None:
    assert Clock(ZoneInfo(zone), EVENING_UTC).today() == today


def test_a_time_is_read_as_the_clinics_day_and_a_time_without_a_zone_as_local() -> None:
    clock = Clock(ZoneInfo("Pacific/Kiritimati"), EVENING_UTC)
    assert clock.day_of(EVENING_UTC) == dt.date(2026, 12, 2)
    assert clock.day_of(EVENING_UTC.replace(tzinfo=None)) == dt.date(2026, 12, 1)
    assert clock.day_of(dt.date(2026, 1, 5)) == dt.date(2026, 1, 5)


def test_an_unknown_time_zone_is_a_settings_error() -> None:
    with pytest.raises(ValueError, match="IANA time zone"):
        Settings(environment="development", time_zone="Mars/Olympus")
