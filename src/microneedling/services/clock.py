"""The one clock the services read: "now" in UTC and "today" in the clinic's time zone.

Injected with the records (`Records.clock`), so a test can fix the time and a clinic east or
west of UTC gets its own today at midnight, not the server's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Clock:
    """System time, or a fixed instant (tests); `today` is the date in `time_zone`."""

    time_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    fixed: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return self.fixed if self.fixed is not None else dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.now().astimezone(self.time_zone).date()

    def day_of(self, value: dt.date | dt.datetime) -> dt.date:
        """The clinic's calendar day of a date or a time (a time without a zone is local)."""
        if isinstance(value, dt.datetime):
            return value.astimezone(self.time_zone).date() if value.tzinfo else value.date()
        return value

    def start_of(self, day: dt.date) -> dt.datetime:
        """Midnight at the start of a clinic's calendar day, in UTC like the stored times."""
        return dt.datetime.combine(day, dt.time(), tzinfo=self.time_zone).astimezone(dt.UTC)
