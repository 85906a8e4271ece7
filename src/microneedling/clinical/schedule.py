"""Course length, interval between sessions, and the dated schedule.

Rule `interval_default`: the interval follows the planned depth (28 days at
1.0 mm or more, 14 below; 7 for scalp hair-loss protocols up to 1.5 mm), kept inside the
indication's own range (`indications.toml`); at home it is never shorter than
`home_frequency` (`rules.toml` [home]). Rule
`course_default`: the course is the indication's planned count, reviewed up to its
maximum. Darker phototypes start with a test spot reviewed before session 1 (`phototype_start`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from microneedling.clinical.numbers import Num, highest, lowest
from microneedling.knowledge import Knowledge
from microneedling.knowledge.models import Indication


@dataclass(frozen=True)
class Course:
    count: Num
    interval_days: Num | None
    review_up_to: Num | None


def interval_days_for(
    indication: Indication, zone: str, max_depth_mm: float, setting: str, kb: Knowledge
) -> Num | None:
    """The interval for one treatment; None when the indication has no referenced interval."""
    rows = indication.interval_days
    if rows is None:
        return None
    by_depth = kb.rules.interval_by_depth
    if max_depth_mm >= by_depth.deep_from_mm:
        interval = Num.of(by_depth.deep_days, "rules/interval_by_depth/deep_days", by_depth)
    else:
        interval = Num.of(
            by_depth.superficial_days, "rules/interval_by_depth/superficial_days", by_depth
        )
    for number, exception in enumerate(kb.rules.interval_exceptions):
        if (
            exception.indication == indication.code
            and zone in exception.zones
            and max_depth_mm <= exception.up_to_mm
        ):
            interval = Num.of(exception.days, f"rules/interval_exceptions/{number}", exception)
    key = f"indications/{indication.code}/interval_days"
    floor = Num.of(rows.min, key, rows)
    ceiling = Num.of(rows.max, key, rows)
    interval = lowest(highest(interval, floor), ceiling)
    if setting == "home":
        for number, frequency in enumerate(kb.rules.home.frequency):
            if max_depth_mm <= frequency.up_to_mm:
                home = Num.of(frequency.interval_days, f"rules/home/frequency/{number}", frequency)
                interval = highest(interval, home)
                break
    return interval


def course_for(indication: Indication, kb: Knowledge) -> Course | None:
    """The planned count; None when the knowledge base has no referenced course for it."""
    sessions = indication.sessions
    if sessions is None:
        return None
    key = f"indications/{indication.code}/sessions"
    return Course(
        count=Num.of(sessions.min, key + "/min", sessions),
        interval_days=None,
        review_up_to=Num.of(sessions.max, key + "/max", sessions),
    )


@dataclass(frozen=True)
class Due:
    """One treatment's visit: its day offset, zone and depth."""

    day: int
    zone: str
    depth_mm: float


def dated(start: date | None, day: int) -> date | None:
    return start + timedelta(days=day) if start else None


def group_visits(dues: Iterable[Due], zone_order: list[str]) -> list[tuple[int, dict[str, float]]]:
    """Group visits by day; two treatments of one zone on one day take the lower depth."""
    by_day: dict[int, dict[str, float]] = {}
    for due in dues:
        zones = by_day.setdefault(due.day, {})
        zones[due.zone] = min(zones.get(due.zone, due.depth_mm), due.depth_mm)
    return [
        (day, dict(sorted(by_day[day].items(), key=lambda item: zone_order.index(item[0]))))
        for day in sorted(by_day)
    ]


def course_shift(planned: list[date | None], done: list[date]) -> timedelta:
    """How far the sessions still to come move from their planned days: the next keeps the
    plan's gap after the last session done, the rest keep theirs, so all move by as much as
    the last session done moved from its own planned day."""
    if not done or len(planned) <= len(done):
        return timedelta(0)
    last_planned, next_planned = planned[len(done) - 1], planned[len(done)]
    if last_planned is None or next_planned is None:
        return timedelta(0)
    return done[-1] - last_planned
