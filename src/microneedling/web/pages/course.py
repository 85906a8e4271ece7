"""What the pages take from a client's course: the open findings as badges, and the records
a form starts from (the latest intake, a plan by id)."""

from __future__ import annotations

from dataclasses import dataclass

from microneedling.clinical.models import Finding
from microneedling.services.access import Actor
from microneedling.services.clinical_records import read
from microneedling.services.common import Records
from microneedling.services.intakes import INTAKE, IntakeOut
from microneedling.services.plans import PLAN, PlanOut
from microneedling.services.timeline import TimelineEntry, timeline
from microneedling.web.pages.common import zones_text


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


def open_badges(findings: list[Finding]) -> list[Badge]:
    """The course's open findings as badges: what holds back which zones, until when."""
    badges = []
    for finding in findings:
        until = finding.until
        if finding.action == "defer":
            day = until.date if until else None
            label = f"deferred until {day or (until.condition if until else 'cleared')}"
        elif finding.action == "clinician_only":
            label = "clinician only"
        else:
            label = "refused"
        if finding.zones:
            label += f": {zones_text(finding.zones)}"
        badges.append(
            Badge(finding.code, finding.action, label, finding.reason, list(finding.references))
        )
    return badges
