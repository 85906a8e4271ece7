"""A client's course read for the pages: the current (not amended) records of each kind and
the findings still open, built from the services' timeline and records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from microneedling.services.access import Actor
from microneedling.services.clinical_records import read
from microneedling.services.common import Records
from microneedling.services.intakes import INTAKE, IntakeOut
from microneedling.services.plans import PLAN, PlanOut
from microneedling.services.timeline import TimelineEntry, timeline
from microneedling.web.pages.common import zones_text

OPEN_ACTIONS = ("defer", "clinician_only", "refuse")


@dataclass(frozen=True)
class Badge:
    """An open finding shown on the client's page."""

    code: str
    action: str
    label: str
    reason: str
    references: list[str]


def current(entries: list[TimelineEntry], kind: str) -> list[TimelineEntry]:
    """The entries of a kind that no amendment has replaced, oldest first."""
    return [e for e in entries if e.kind == kind and e.superseded_by is None]


def latest_id(entries: list[TimelineEntry], kind: str) -> int | None:
    rows = current(entries, kind)
    return rows[-1].id if rows else None


def latest_intake(records: Records, actor: Actor, client_id: int) -> IntakeOut | None:
    intake_id = latest_id(timeline(records, actor, client_id), "intake")
    if intake_id is None:
        return None
    intake = read(records, actor, INTAKE, intake_id)
    assert isinstance(intake, IntakeOut)
    return intake


def read_plan(records: Records, actor: Actor, plan_id: int) -> PlanOut:
    plan = read(records, actor, PLAN, plan_id)
    assert isinstance(plan, PlanOut)
    return plan


def open_badges(findings: list[dict[str, Any]], today: dt.date) -> list[Badge]:
    """Findings that still hold a treatment back: a deferral whose date has not come, one that
    waits on a condition, a clinician-only or a refusal."""
    badges = []
    for finding in findings:
        action = finding["action"]
        if action not in OPEN_ACTIONS:
            continue
        until = finding.get("until") or {}
        day = until.get("date")
        if action == "defer":
            if day and dt.date.fromisoformat(day) <= today:
                continue
            label = f"deferred until {day}" if day else f"deferred until {until.get('condition')}"
        elif action == "clinician_only":
            label = "clinician only"
        else:
            label = "refused"
        zones = finding.get("zones")
        if zones:
            label += f": {zones_text(zones)}"
        badges.append(
            Badge(finding["code"], action, label, finding["reason"], finding["references"])
        )
    return badges
