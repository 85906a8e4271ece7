"""What the pages take from a client's course (services/course.py): the open findings as
badges."""

from __future__ import annotations

from dataclasses import dataclass

from microneedling.clinical.models import Finding
from microneedling.web.pages.common import zones_text


@dataclass(frozen=True)
class Badge:
    """An open finding shown on the client's page."""

    code: str
    action: str
    label: str
    reason: str
    references: list[str]


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
