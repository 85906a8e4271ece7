"""`plan()`: the one entry point of the clinical core.

Screening → depth per zone → course and schedule → combinations and referrals → care, each a
pure step over the request and the knowledge base. Same request, same plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from microneedling.clinical.aftercare import CareContext, aftercare_for, pre_care_for
from microneedling.clinical.claims import claim_warnings, topical_findings
from microneedling.clinical.combinations import combinations_for, referrals_for
from microneedling.clinical.depth import DepthDecision, plan_depth, session_depth_mm, zone_cap
from microneedling.clinical.dose import passes_for
from microneedling.clinical.models import (
    CitedReference,
    DepthPlan,
    Finding,
    Plan,
    PlanRequest,
    ScheduledSession,
    Sessions,
    Source,
    Status,
    Treatment,
    TreatmentStatus,
    Warning,
)
from microneedling.clinical.numbers import Num, highest, lowest
from microneedling.clinical.schedule import Due, course_for, dated, group_visits, interval_days_for
from microneedling.clinical.screening import Fired, TreatmentKey, screen
from microneedling.errors import from_validation_error
from microneedling.knowledge import Knowledge, load_knowledge
from microneedling.scores.fitzpatrick_questionnaire import phototype_from_answers


@dataclass
class Draft:
    """A treatment while it is being planned."""

    indication: str
    zone: str
    status: TreatmentStatus = "planned"
    blocked_by: list[str] = field(default_factory=list)
    depth: DepthDecision | None = None
    count: Num | None = None
    review_up_to: Num | None = None
    interval: Num | None = None
    passes: Num | None = None
    passes_unit: str | None = None

    def block(self, status: TreatmentStatus, code: str) -> None:
        if status == "excluded" or self.status == "planned":
            self.status = status
        if code not in self.blocked_by:
            self.blocked_by.append(code)


def as_request(request: PlanRequest | dict[str, Any]) -> PlanRequest:
    """Validate a request given as JSON data; input errors name the field."""
    if isinstance(request, PlanRequest):
        return request
    try:
        return PlanRequest.model_validate(request)
    except ValidationError as error:
        raise from_validation_error(error) from None


def phototype_of(request: PlanRequest) -> int:
    client = request.client
    if client.fitzpatrick is not None:
        return client.fitzpatrick
    assert client.fitzpatrick_answers is not None
    return phototype_from_answers(client.fitzpatrick_answers)


def plan(request: PlanRequest | dict[str, Any], kb: Knowledge | None = None) -> Plan:
    """Plan a course of microneedling; see docs/plan-contract.md for the contract."""
    kb = kb or load_knowledge()
    request = as_request(request)
    phototype = phototype_of(request)
    warnings: list[Warning] = []

    drafts = _drafts(request)
    keys: list[TreatmentKey] = [(d.indication, d.zone) for d in drafts]
    indications = list(dict.fromkeys(c.indication for c in request.concerns))
    plannable = [code for code in indications if kb.indications[code].answer is None]
    combination_codes = frozenset(
        code for indication in plannable for code in kb.indications[indication].combinations
    )
    fired = screen(request, kb, keys, combination_codes)
    findings = [f.finding for f in fired]
    for finding, warning in topical_findings(request.topicals, kb):
        findings.append(finding)
        warnings.append(warning)

    for draft in drafts:
        warnings += _dose(draft, request, kb, phototype, fired)
    _harmonise_zones(drafts)
    _apply_findings(drafts, fired, request.setting)

    warnings += claim_warnings(request, kb)
    warnings += _advice(request, kb, phototype, plannable)
    combinations = combinations_for(plannable, fired, kb)
    context = CareContext(
        setting=request.setting,
        phototype=phototype,
        combinations=frozenset(c.code for c in combinations),
        topicals=frozenset(request.topicals),
        findings=frozenset(f.code for f in findings),
    )
    treatments = [_treatment(d, kb) for d in drafts]
    result = Plan(
        status=_status(findings, treatments),
        knowledge_version=kb.version,
        phototype=phototype,
        findings=findings,
        treatments=treatments,
        schedule=_schedule(drafts, request, kb, phototype, fired),
        combinations=combinations,
        referrals=referrals_for(request.concerns, fired, kb),
        pre_care=pre_care_for(context, kb),
        aftercare=aftercare_for(context, kb),
        warnings=_unique(warnings),
        references=[],
    )
    return result.model_copy(update={"references": _cited(result, kb)})


def _drafts(request: PlanRequest) -> list[Draft]:
    keys = dict.fromkeys((c.indication, zone) for c in request.concerns for zone in c.zones)
    return [Draft(indication, zone) for indication, zone in keys]


def _dose(
    draft: Draft, request: PlanRequest, kb: Knowledge, phototype: int, fired: list[Fired]
) -> list[Warning]:
    """Depth, course, interval and passes for one treatment, or why there are none."""
    indication = kb.indications[draft.indication]
    zone = kb.zones[draft.zone]
    if indication.answer is not None:
        draft.block("excluded", "not_planned")
        return [
            Warning(
                code="not_planned",
                message=f"{indication.name}: {indication.answer.reason}",
                references=list(indication.answer.references),
            )
        ]
    if draft.zone not in indication.zones:
        draft.block("excluded", "zone_not_indicated")
        return [
            Warning(
                code="zone_not_indicated",
                message=f"{zone.name} is not a usual site for {indication.name.lower()}.",
                references=list(indication.zones_source.references)
                if indication.zones_source
                else [],
            )
        ]
    cap = zone_cap(zone, request.setting)
    if cap is None:
        draft.block("excluded", "home_zone_excluded")
        refs = zone.home_exclusion.references if zone.home_exclusion else []
        return [
            Warning(
                code="home_zone_excluded",
                message=f"{zone.name} is not needled at home.",
                references=list(refs),
            )
        ]
    key = (draft.indication, draft.zone)
    finding_caps = [
        Num.of(f.rule.depth_cap.mm, f"contraindications/{f.rule.code}/depth_cap", f.rule.depth_cap)
        for f in fired
        if f.rule.depth_cap is not None and (f.is_global or key in f.touched)
    ]
    draft.depth = plan_depth(indication, zone, cap, request, kb, phototype, finding_caps)
    warnings = list(draft.depth.warnings)
    course = course_for(indication, kb)
    if course is None:
        drug = kb.rules.course_for_drug_delivery
        draft.count = Num.of(drug.count, "rules/course_for_drug_delivery", drug)
        warnings.append(
            Warning(
                code="no_evidence_number",
                message=f"{indication.name}: sessions and interval follow the product's own "
                "protocol; with none given, one session is planned.",
                references=list(drug.references),
            )
        )
    else:
        draft.count, draft.review_up_to = course.count, course.review_up_to
        draft.interval = interval_days_for(
            indication, draft.zone, draft.depth.max.value, request.setting, kb
        )
    passes = passes_for(request.device.type, phototype, kb)
    if passes is None:
        warnings.append(
            Warning(
                code="no_evidence_number",
                message=f"No referenced pass count for a {request.device.type}; none is planned.",
                references=[],
            )
        )
    else:
        draft.passes, draft.passes_unit = passes
    return warnings


def _harmonise_zones(drafts: list[Draft]) -> None:
    """Two indications in one zone: the lower maximum depth and the longer interval win."""
    by_zone: dict[str, list[Draft]] = {}
    for draft in drafts:
        if draft.depth is not None:
            by_zone.setdefault(draft.zone, []).append(draft)
    for group in by_zone.values():
        if len(group) < 2:
            continue
        depths = [d.depth for d in group if d.depth is not None]
        shared_max = lowest(*(depth.max for depth in depths))
        intervals = [d.interval for d in group if d.interval is not None]
        shared_interval = highest(*intervals) if intervals else None
        for draft in group:
            assert draft.depth is not None
            draft.depth = replace(
                draft.depth,
                max=shared_max,
                min=lowest(draft.depth.min, shared_max),
                first_session=lowest(draft.depth.first_session, shared_max),
            )
            if draft.interval is not None and shared_interval is not None:
                draft.interval = shared_interval


def _apply_findings(drafts: list[Draft], fired: list[Fired], setting: str) -> None:
    """Refusals exclude, deferrals defer; at home a clinician-only finding excludes too."""
    for f in fired:
        action = f.rule.action
        if action == "clinician_only" and setting == "home":
            status: TreatmentStatus | None = "excluded"
        else:
            status = {"refuse": "excluded", "defer": "deferred"}.get(action)  # type: ignore[assignment]
        if status is None:
            continue
        for draft in drafts:
            if f.is_global or (draft.indication, draft.zone) in f.touched:
                draft.block(status, f.rule.code)


def _advice(
    request: PlanRequest, kb: Knowledge, phototype: int, indications: list[str]
) -> list[Warning]:
    """Warnings about the client and the aims rather than one zone."""
    advice = []
    if phototype in kb.rules.phototype_start.phototypes:
        term = kb.warnings["pih_risk"]
        advice.append(
            Warning(
                code="pih_risk",
                message=f"Phototype {phototype}: {term.name}.",
                references=list(term.references),
            )
        )
    for code in indications:
        if kb.indications[code].adjunct_only:
            term = kb.warnings["adjunct_only"]
            advice.append(
                Warning(
                    code="adjunct_only",
                    message=f"{kb.indications[code].name}: {term.name}.",
                    references=list(term.references),
                )
            )
    return advice


def _treatment(draft: Draft, kb: Knowledge) -> Treatment:
    sources: dict[str, Num] = {}
    depth_plan = sessions = None
    if draft.depth is not None:
        depth = draft.depth
        sources |= {
            "depth_mm.min": depth.min,
            "depth_mm.max": depth.max,
            "depth_mm.first_session": depth.first_session,
        }
        depth_plan = DepthPlan(
            min=depth.min.value, max=depth.max.value, first_session=depth.first_session.value
        )
    if draft.count is not None:
        sources["sessions.count"] = draft.count
        if draft.interval is not None:
            sources["sessions.interval_days"] = draft.interval
        if draft.review_up_to is not None:
            sources["sessions.review_up_to"] = draft.review_up_to
        sessions = Sessions(
            count=int(draft.count.value),
            interval_days=int(draft.interval.value) if draft.interval else None,
            review_up_to=int(draft.review_up_to.value) if draft.review_up_to else None,
        )
    if draft.passes is not None:
        sources["passes"] = draft.passes
    references = list(dict.fromkeys(ref for num in sources.values() for ref in num.references))
    return Treatment(
        indication=draft.indication,
        zone=draft.zone,
        status=draft.status,
        blocked_by=draft.blocked_by,
        depth_mm=depth_plan,
        sessions=sessions,
        passes=int(draft.passes.value) if draft.passes else None,
        passes_unit=draft.passes_unit,
        evidence=list(kb.indications[draft.indication].evidence),
        references=references,
        sources={name: num.source() for name, num in sources.items()},
    )


def _schedule(
    drafts: list[Draft], request: PlanRequest, kb: Knowledge, phototype: int, fired: list[Fired]
) -> list[ScheduledSession]:
    planned = [d for d in drafts if d.status == "planned" and d.depth and d.count]
    if not planned:
        return []
    start_rule = kb.rules.phototype_start
    test_spot = request.setting == "clinic" and (
        phototype in start_rule.phototypes or any(f.rule.test_spot for f in fired)
    )
    first_day = start_rule.test_spot_review_days if test_spot else 0
    zone_order = list(kb.zones)
    dues = []
    for draft in planned:
        assert draft.depth is not None and draft.count is not None
        interval = int(draft.interval.value) if draft.interval else 0
        for number in range(1, int(draft.count.value) + 1):
            day = first_day + (number - 1) * interval
            dues.append(Due(day, draft.zone, session_depth_mm(draft.depth, number, kb)))
    schedule = []
    if test_spot:
        spot = [Due(0, d.zone, d.depth.first_session.value) for d in planned if d.depth]
        (day, depths), *_ = group_visits(spot, zone_order)
        schedule.append(
            ScheduledSession(
                session=0,
                date=dated(request.start_date, day),
                kind="test_spot",
                zones=list(depths),
                depth_mm=depths,
            )
        )
    for number, (day, depths) in enumerate(group_visits(dues, zone_order), start=1):
        schedule.append(
            ScheduledSession(
                session=number,
                date=dated(request.start_date, day),
                kind="treatment",
                zones=list(depths),
                depth_mm=depths,
            )
        )
    return schedule


def _unique(warnings: list[Warning]) -> list[Warning]:
    return list({(w.code, w.message): w for w in warnings}.values())


def _status(findings: list[Finding], treatments: list[Treatment]) -> Status:
    global_actions = {f.action for f in findings if f.zones is None}
    if "refuse" in global_actions or all(t.status == "excluded" for t in treatments):
        return "refused"
    if "defer" in global_actions or not any(t.status == "planned" for t in treatments):
        return "deferred"
    return "ok"


def _cited(result: Plan, kb: Knowledge) -> list[CitedReference]:
    """Every reference the plan cites, in order of first use."""
    ids: list[str] = []
    for items in (
        result.findings,
        result.treatments,
        result.combinations,
        result.referrals,
        result.pre_care,
        result.aftercare,
        result.warnings,
    ):
        for item in items:
            ids += item.references
    return [
        CitedReference(
            id=ref, citation=kb.references[ref].citation, evidence=kb.references[ref].evidence
        )
        for ref in dict.fromkeys(ids)
    ]


__all__ = ["Source", "as_request", "plan"]
