"""Compare a session as delivered with its plan and the client's latest screening: deeper than
planned, a zone the plan does not treat, sooner than the plan's interval (the same day included),
needles not single-use, a topical unsafe on open channels, a zone an intake finding still defers
or refuses. Pure: the plan, the nearest other session's date (before or after: a back-dated
session is as close to the next one), the findings and the log come in,
departures (warnings that name their zone) go out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from microneedling.clinical.models import Finding, Plan, PlanWarning
from microneedling.knowledge import Knowledge
from microneedling.knowledge.names import term_name


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


class Departure(PlanWarning):
    """A warning on a logged session, with the zone it concerns (None: the whole session)."""

    zone: str | None = None


_Found = tuple[str, str | None, str, list[str]]  # code, zone, detail, references of its own


def session_warnings(
    logged: LoggedSession,
    plan: Plan | None,
    nearest_on: dt.date | None,
    kb: Knowledge,
    findings: Sequence[Finding] = (),
) -> list[Departure]:
    """Every way the session departs from its plan, its screening or safe practice, in a fixed
    order."""
    found: list[_Found] = []
    if not logged.single_use:
        found.append(("needles_not_single_use", None, "single-use needles were not confirmed", []))
    for code in logged.topicals:
        topical = kb.topicals.get(code)
        if topical is not None and not topical.safe_on_channels:
            found.append(("topical_not_for_channels", None, f"{code} was applied", []))
    if plan is None:
        found.append(("no_plan", None, "no plan was given", []))
    else:
        found += _against_plan(logged, plan, nearest_on, kb)
    found += _against_findings(logged, findings, kb)
    return [_warning(code, zone, detail, refs, kb) for code, zone, detail, refs in found]


def holds_on(finding: Finding, day: dt.date) -> bool:
    """A refusal always holds; a deferral holds until its date (or its condition) is met."""
    if finding.action == "refuse":
        return True
    if finding.action != "defer":
        return False
    return finding.until is None or finding.until.date is None or finding.until.date > day


def _against_findings(
    logged: LoggedSession, findings: Sequence[Finding], kb: Knowledge
) -> list[_Found]:
    """Zones the latest screening defers or refuses; a finding with no zones holds every zone."""
    found: list[_Found] = []
    for finding in findings:
        if not holds_on(finding, logged.performed_on):
            continue
        held = " until " + _until_text(finding) if finding.action == "defer" else ""
        action = {"defer": "deferred", "refuse": "refused"}[finding.action]
        detail = f"{term_name(kb, finding.code)}, {action}{held} ({finding.reason})"
        refs = list(finding.references)
        if finding.zones is None:
            found.append(("zone_held_by_finding", None, f"every zone: {detail}", refs))
            continue
        found += [
            ("zone_held_by_finding", entry.zone, f"{term_name(kb, entry.zone)}: {detail}", refs)
            for entry in logged.zones
            if entry.zone in finding.zones
        ]
    return found


def _until_text(finding: Finding) -> str:
    until = finding.until
    if until is None:
        return "cleared"
    if until.date is not None:
        return until.date.isoformat()
    return until.condition or "cleared"


def _against_plan(
    logged: LoggedSession, plan: Plan, nearest_on: dt.date | None, kb: Knowledge
) -> list[_Found]:
    found: list[_Found] = []
    if plan.status != "ok":
        found.append(("plan_not_go", None, f"the plan's status is {plan.status}", []))
    planned = {
        t.zone: t for t in plan.treatments if t.depth_mm is not None and t.status == "planned"
    }
    intervals: list[int] = []
    for entry in logged.zones:
        treatment = planned.get(entry.zone)
        name = term_name(kb, entry.zone)
        if treatment is None or treatment.depth_mm is None:
            found.append(("zone_not_in_plan", entry.zone, f"{name} is not planned", []))
            continue
        if entry.needle_mm > treatment.depth_mm.max:
            found.append(
                (
                    "depth_above_plan",
                    entry.zone,
                    f"{name}: {entry.needle_mm:g} mm logged, plan allows at most "
                    f"{treatment.depth_mm.max:g} mm",
                    [],
                )
            )
        if treatment.sessions is not None and treatment.sessions.interval_days:
            intervals.append(treatment.sessions.interval_days)
    if nearest_on is not None and intervals:
        gap = abs((logged.performed_on - nearest_on).days)
        interval = max(intervals)
        if gap < interval:
            found.append(
                (
                    "interval_too_short",
                    None,
                    f"{gap} days from the nearest other session; the plan's interval is "
                    f"{interval} days",
                    [],
                )
            )
    return found


def _warning(code: str, zone: str | None, detail: str, own: list[str], kb: Knowledge) -> Departure:
    term = kb.session_warnings[code]
    references = [*term.references, *(ref for ref in own if ref not in term.references)]
    return Departure(code=code, zone=zone, message=f"{term.name}: {detail}", references=references)
