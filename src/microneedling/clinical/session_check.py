"""Compare a session as delivered with its plan: deeper than planned, a zone the plan does not
treat, sooner than the plan's interval, needles not single-use, a topical unsafe on open
channels. Pure: the plan, the previous session's date and the log come in, warnings go out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from microneedling.clinical.models import Plan, Warning
from microneedling.knowledge import Knowledge


@dataclass(frozen=True)
class LoggedZone:
    zone: str
    needle_mm: float


@dataclass(frozen=True)
class LoggedSession:
    performed_on: dt.date
    zones: Sequence[LoggedZone]
    single_use: bool
    topicals: Sequence[str]


def session_warnings(
    logged: LoggedSession, plan: Plan | None, previous_on: dt.date | None, kb: Knowledge
) -> list[Warning]:
    """Every way the session departs from its plan or from safe practice, in a fixed order."""
    found: list[tuple[str, str]] = []
    if not logged.single_use:
        found.append(("needles_not_single_use", "single-use needles were not confirmed"))
    for code in logged.topicals:
        topical = kb.topicals.get(code)
        if topical is not None and not topical.safe_on_channels:
            found.append(("topical_not_for_channels", f"{code} was applied"))
    if plan is None:
        found.append(("no_plan", "no plan was given"))
    else:
        found += _against_plan(logged, plan, previous_on)
    return [_warning(code, detail, kb) for code, detail in found]


def _against_plan(
    logged: LoggedSession, plan: Plan, previous_on: dt.date | None
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if plan.status != "ok":
        found.append(("plan_not_go", f"the plan's status is {plan.status}"))
    planned = {
        t.zone: t for t in plan.treatments if t.depth_mm is not None and t.status == "planned"
    }
    intervals: list[int] = []
    for entry in logged.zones:
        treatment = planned.get(entry.zone)
        if treatment is None or treatment.depth_mm is None:
            found.append(("zone_not_in_plan", f"{entry.zone} is not planned"))
            continue
        if entry.needle_mm > treatment.depth_mm.max:
            found.append(
                (
                    "depth_above_plan",
                    f"{entry.zone}: {entry.needle_mm:g} mm logged, plan allows at most "
                    f"{treatment.depth_mm.max:g} mm",
                )
            )
        if treatment.sessions is not None and treatment.sessions.interval_days:
            intervals.append(treatment.sessions.interval_days)
    if previous_on is not None and intervals:
        gap = (logged.performed_on - previous_on).days
        interval = max(intervals)
        if gap < interval:
            found.append(
                (
                    "interval_too_short",
                    f"{gap} days after the previous session; the plan's interval is "
                    f"{interval} days",
                )
            )
    return found


def _warning(code: str, detail: str, kb: Knowledge) -> Warning:
    term = kb.session_warnings[code]
    return Warning(code=code, message=f"{term.name}: {detail}", references=list(term.references))
