"""`plan()`: the one entry point of the clinical core.

Screening → depth per zone → course and schedule → combinations and referrals → care, each a
pure step over the request and the knowledge base. Same request, same plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from microneedling.clinical.aftercare import CareContext, aftercare_for, pre_care_for
from microneedling.clinical.claims import claim_warnings, topical_findings
from microneedling.clinical.combinations import (
    allowed_combinations,
    combinations_for,
    referrals_for,
)
from microneedling.clinical.depth import (
    DepthDecision,
    plan_depth,
    requested_length,
    session_depth_mm,
    zone_cap,
)
from microneedling.clinical.dose import passes_for
from microneedling.clinical.models import (
    CitedReference,
    DepthPlan,
    Finding,
    Plan,
    PlanRequest,
    PlanWarning,
    ScheduledSession,
    Sessions,
    Source,
    Status,
    Treatment,
    TreatmentStatus,
)
from microneedling.clinical.numbers import Num, highest, lowest
from microneedling.clinical.schedule import Due, course_for, dated, group_visits, interval_days_for
from microneedling.clinical.screening import Fired, TreatmentKey, screen
from microneedling.errors import from_validation_error
from microneedling.knowledge import Knowledge, load_knowledge
from microneedling.knowledge.citations import Cited, cited
from microneedling.knowledge.models import Combination, Indication, Topical


@dataclass(frozen=True)
class Dose:
    """What the knowledge base gives one treatment, or the code that excludes it.

    It depends only on the knowledge base and a few request values, so it is computed once per
    combination of them and shared by every plan (the same object, hence cacheable downstream).
    """

    depth: DepthDecision | None = None
    count: Num | None = None
    review_up_to: Num | None = None
    interval: Num | None = None
    passes: Num | None = None
    passes_unit: str | None = None
    excluded_by: str | None = None
    warnings: tuple[PlanWarning, ...] = field(default=(), compare=False, hash=False)


@dataclass
class Draft:
    """A treatment while it is being planned."""

    indication: str
    zone: str
    dose: Dose = Dose()
    status: TreatmentStatus = "planned"
    blocked_by: list[str] = field(default_factory=list)

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
    from microneedling.scores.fitzpatrick_questionnaire import phototype_from_answers

    return phototype_from_answers(client.fitzpatrick_answers)


def plan(request: PlanRequest | dict[str, Any], kb: Knowledge | None = None) -> Plan:
    """Plan a course of microneedling; see docs/plan-contract.md for the contract."""
    kb = kb or load_knowledge()
    request = as_request(request)
    phototype = phototype_of(request)
    warnings: list[PlanWarning] = []

    drafts = _drafts(request)
    keys: list[TreatmentKey] = [(d.indication, d.zone) for d in drafts]
    indications = list(dict.fromkeys(c.indication for c in request.concerns))
    plannable = [code for code in indications if kb.indications[code].answer is None]
    suggested = [
        code for indication in plannable for code in kb.indications[indication].combinations
    ]
    combination_codes = frozenset(allowed_combinations(suggested, request.setting, (), kb))
    fired = screen(request, kb, keys, combination_codes)
    findings = [f.finding for f in fired]
    withheld = {code: f.rule for f in fired for code in f.rule.withholds}
    for finding, warning in topical_findings(request, kb, withheld):
        findings.append(finding)
        warnings.append(warning)

    for draft in drafts:
        key = (draft.indication, draft.zone)
        finding_caps = tuple(
            Num.of(
                f.rule.depth_cap.mm, f"contraindications/{f.rule.code}/depth_cap", f.rule.depth_cap
            )
            for f in fired
            if f.rule.depth_cap is not None and (f.is_global or key in f.touched)
        )
        draft.dose = dose_for(
            kb,
            draft.indication,
            draft.zone,
            request.setting,
            request.device.type,
            request.device.needle_length_mm,
            phototype,
            finding_caps,
        )
        warnings += draft.dose.warnings
        if draft.dose.excluded_by:
            draft.block("excluded", draft.dose.excluded_by)
    _harmonise_zones(drafts)
    starts = _apply_findings(drafts, fired, request)

    warnings += claim_warnings(request, kb)
    warnings += _advice(request, kb, phototype, plannable)
    warnings += _off_label_depth(drafts, kb)
    combinations = combinations_for(plannable, fired, kb, request.setting, withheld)
    warnings += _off_label_delivery(
        [
            *(kb.indications[code] for code in plannable),
            *(kb.combinations[c.code] for c in combinations),
            *(kb.topicals[code] for code in request.topicals),
        ],
        kb,
    )
    context = CareContext(
        setting=request.setting,
        phototype=phototype,
        combinations=frozenset(c.code for c in combinations),
        topicals=frozenset(request.topicals),
        findings=frozenset(f.code for f in findings),
        withheld=frozenset(withheld),
    )
    treatments = [_treatment(d, kb) for d in drafts]
    result = Plan(
        status=_status(findings, treatments),
        knowledge_version=kb.version,
        phototype=phototype,
        findings=findings,
        treatments=treatments,
        schedule=_schedule(drafts, request, kb, phototype, fired, starts),
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


@lru_cache(maxsize=4096)
def dose_for(
    kb: Knowledge,
    indication_code: str,
    zone_code: str,
    setting: str,
    device_type: str,
    needle_length_mm: float | None,
    phototype: int,
    finding_caps: tuple[Num, ...],
) -> Dose:
    """Depth, course, interval and passes for one treatment, or why there are none."""
    indication = kb.indications[indication_code]
    zone = kb.zones[zone_code]
    if indication.answer is not None:
        warning = PlanWarning(
            code="not_planned",
            message=f"{indication.name}: {indication.answer.reason}",
            references=list(indication.answer.references),
        )
        return Dose(excluded_by="not_planned", warnings=(warning,))
    if zone_code not in indication.zones:
        source = indication.zones_source
        warning = PlanWarning(
            code="zone_not_indicated",
            message=f"{zone.name} is not a usual site for {indication.name.lower()}.",
            references=list(source.references) if source else [],
        )
        return Dose(excluded_by="zone_not_indicated", warnings=(warning,))
    cap = zone_cap(zone, setting)
    if cap is None:
        refs = zone.home_exclusion.references if zone.home_exclusion else []
        warning = PlanWarning(
            code="home_zone_excluded",
            message=f"{zone.name} is not needled at home.",
            references=list(refs),
        )
        return Dose(excluded_by="home_zone_excluded", warnings=(warning,))
    asked = requested_length(needle_length_mm)
    depth = plan_depth(indication, zone, cap, setting, asked, kb, phototype, list(finding_caps))
    warnings = list(depth.warnings)
    count = review = interval = None
    course = course_for(indication, kb)
    if course is None:
        drug = kb.rules.course_for_drug_delivery
        count = Num.of(drug.count, "rules/course_for_drug_delivery", drug)
        warnings.append(
            PlanWarning(
                code="no_evidence_number",
                message=f"{indication.name}: sessions and interval follow the product's own "
                "protocol; with none given, one session is planned.",
                references=list(drug.references),
            )
        )
    else:
        count, review = course.count, course.review_up_to
        interval = interval_days_for(indication, zone_code, depth.max.value, setting, kb)
    passes = passes_for(device_type, phototype, kb)
    if passes is None:
        warnings.append(
            PlanWarning(
                code="no_evidence_number",
                message=f"No referenced pass count for a {device_type}; none is planned.",
                references=[],
            )
        )
    return Dose(
        depth=depth,
        count=count,
        review_up_to=review,
        interval=interval,
        passes=passes[0] if passes else None,
        passes_unit=passes[1] if passes else None,
        warnings=tuple(warnings),
    )


def _harmonise_zones(drafts: list[Draft]) -> None:
    """Two indications in one zone: the lower maximum depth and the longer interval win."""
    by_zone: dict[str, list[Draft]] = {}
    for draft in drafts:
        if draft.dose.depth is not None:
            by_zone.setdefault(draft.zone, []).append(draft)
    for group in by_zone.values():
        if len(group) > 1:
            for draft, dose in zip(group, _shared(tuple(d.dose for d in group)), strict=True):
                draft.dose = dose


@lru_cache(maxsize=4096)
def _shared(doses: tuple[Dose, ...]) -> tuple[Dose, ...]:
    """The doses of one zone after the lower maximum and the longer interval are applied."""
    shared_max = lowest(*(dose.depth.max for dose in doses if dose.depth))
    intervals = [dose.interval for dose in doses if dose.interval is not None]
    shared_interval = highest(*intervals) if intervals else None
    result = []
    for dose in doses:
        assert dose.depth is not None
        depth = replace(
            dose.depth,
            max=shared_max,
            min=lowest(dose.depth.min, shared_max),
            first_session=lowest(dose.depth.first_session, shared_max),
        )
        interval = shared_interval if dose.interval is not None else None
        result.append(replace(dose, depth=depth, interval=interval))
    return tuple(result)


def _apply_findings(
    drafts: list[Draft], fired: list[Fired], request: PlanRequest
) -> dict[str, int]:
    """Refusals exclude, deferrals defer; at home a clinician-only finding excludes too.

    A zone's deferral that ends on a known date is settled by the schedule instead: one that
    ends by the start date does not hold the zone back, a later one moves the zone's first
    session to its end (revision 2). Returns those zones' first day after the start date.
    """
    starts: dict[str, int] = {}
    for f in fired:
        action = f.rule.action
        if action == "clinician_only" and request.setting == "home":
            status: TreatmentStatus | None = "excluded"
        else:
            status = {"refuse": "excluded", "defer": "deferred"}.get(action)  # type: ignore[assignment]
        if status is None:
            continue
        ends = f.finding.until.date if f.finding.until else None
        dated_deferral = status == "deferred" and not f.is_global and ends and request.start_date
        for draft in drafts:
            if not (f.is_global or (draft.indication, draft.zone) in f.touched):
                continue
            if dated_deferral:
                assert ends is not None and request.start_date is not None
                days = max((ends - request.start_date).days, starts.get(draft.zone, 0))
                starts[draft.zone] = days
                continue
            draft.block(status, f.rule.code)
    return starts


def _off_label_depth(drafts: list[Draft], kb: Knowledge) -> list[PlanWarning]:
    """`off_label_depth` on each treatment deeper than the authorised label was evaluated at."""
    limit = kb.rules.device_label.evaluated_up_to_mm
    return [
        _off_label_depth_warning(kb, d.zone, d.indication, d.dose.depth.max.value)
        for d in drafts
        if d.status != "excluded" and d.dose.depth is not None and d.dose.depth.max.value > limit
    ]


@lru_cache(maxsize=1024)
def _off_label_depth_warning(
    kb: Knowledge, zone: str, indication: str, depth: float
) -> PlanWarning:
    label = kb.rules.device_label
    term = kb.warnings["off_label_depth"]
    return PlanWarning(
        code="off_label_depth",
        message=f"{kb.zones[zone].name}: {kb.indications[indication].name.lower()} up to "
        f"{depth:g} mm; {term.name}.",
        references=list(dict.fromkeys([*label.references, *term.references])),
    )


def _off_label_delivery(
    rows: list[Indication | Topical | Combination], kb: Knowledge
) -> list[PlanWarning]:
    """`off_label_delivery` for each drug or biologic the plan or the client puts on the skin."""
    return [_off_label_delivery_warning(kb, row.name) for row in rows if row.delivery]


@lru_cache(maxsize=256)
def _off_label_delivery_warning(kb: Knowledge, name: str) -> PlanWarning:
    term = kb.warnings["off_label_delivery"]
    return PlanWarning(
        code="off_label_delivery",
        message=f"{name} on needled skin: {term.name}.",
        references=list(term.references),
    )


def _advice(
    request: PlanRequest, kb: Knowledge, phototype: int, indications: list[str]
) -> list[PlanWarning]:
    """Warnings about the client and the aims rather than one zone."""
    advice = []
    if phototype in kb.rules.phototype_start.phototypes:
        term = kb.warnings["pih_risk"]
        advice.append(
            PlanWarning(
                code="pih_risk",
                message=f"Phototype {phototype}: {term.name}.",
                references=list(term.references),
            )
        )
    for code in indications:
        if kb.indications[code].adjunct_only:
            term = kb.warnings["adjunct_only"]
            advice.append(
                PlanWarning(
                    code="adjunct_only",
                    message=f"{kb.indications[code].name}: {term.name}.",
                    references=list(term.references),
                )
            )
    return advice


def _treatment(draft: Draft, kb: Knowledge) -> Treatment:
    template = _treatment_template(kb, draft.indication, draft.zone, draft.dose)
    if draft.status == "planned" and not draft.blocked_by:
        return template
    return template.model_copy(update={"status": draft.status, "blocked_by": draft.blocked_by})


@lru_cache(maxsize=4096)
def _treatment_template(kb: Knowledge, indication: str, zone: str, dose: Dose) -> Treatment:
    """The planned treatment for a dose; plans share it (it is immutable)."""
    sources: dict[str, Num] = {}
    depth_plan = sessions = None
    if dose.depth is not None:
        depth = dose.depth
        sources |= {
            "depth_mm.min": depth.min,
            "depth_mm.max": depth.max,
            "depth_mm.first_session": depth.first_session,
        }
        depth_plan = DepthPlan(
            min=depth.min.value, max=depth.max.value, first_session=depth.first_session.value
        )
    if dose.count is not None:
        sources["sessions.count"] = dose.count
        if dose.interval is not None:
            sources["sessions.interval_days"] = dose.interval
        if dose.review_up_to is not None:
            sources["sessions.review_up_to"] = dose.review_up_to
        sessions = Sessions(
            count=int(dose.count.value),
            interval_days=int(dose.interval.value) if dose.interval else None,
            review_up_to=int(dose.review_up_to.value) if dose.review_up_to else None,
        )
    if dose.passes is not None:
        sources["passes"] = dose.passes
    references = list(dict.fromkeys(ref for num in sources.values() for ref in num.references))
    return Treatment(
        indication=indication,
        zone=zone,
        status="planned",
        blocked_by=[],
        depth_mm=depth_plan,
        sessions=sessions,
        passes=int(dose.passes.value) if dose.passes else None,
        passes_unit=dose.passes_unit,
        evidence=list(kb.indications[indication].evidence),
        references=references,
        sources={name: num.source() for name, num in sources.items()},
    )


def _schedule(
    drafts: list[Draft],
    request: PlanRequest,
    kb: Knowledge,
    phototype: int,
    fired: list[Fired],
    starts: dict[str, int],
) -> list[ScheduledSession]:
    planned = tuple(
        (d.zone, d.dose, starts.get(d.zone, 0))
        for d in drafts
        if d.status == "planned" and d.dose.depth and d.dose.count
    )
    if not planned:
        return []
    start_rule = kb.rules.phototype_start
    test_spot = phototype in start_rule.phototypes or any(f.rule.test_spot for f in fired)
    return list(_sessions(kb, planned, test_spot, request.start_date))


@lru_cache(maxsize=4096)
def _sessions(
    kb: Knowledge,
    planned: tuple[tuple[str, Dose, int], ...],
    test_spot: bool,
    start: dt.date | None,
) -> tuple[ScheduledSession, ...]:
    """The visits of a course: a test spot (patch at home) first, then each session by day.

    Each zone starts on its own day offset (a dated deferral), test spot included.
    """
    review = kb.rules.phototype_start.test_spot_review_days if test_spot else 0
    zone_order = list(kb.zones)
    dues = []
    for zone, dose, offset in planned:
        assert dose.depth is not None and dose.count is not None
        interval = int(dose.interval.value) if dose.interval else 0
        for number in range(1, int(dose.count.value) + 1):
            day = offset + review + (number - 1) * interval
            dues.append(Due(day, zone, session_depth_mm(dose.depth, number, kb)))
    visits: list[tuple[int, str, dict[str, float]]] = []
    if test_spot:
        spot = [
            Due(offset, zone, dose.depth.first_session.value)
            for zone, dose, offset in planned
            if dose.depth
        ]
        visits += [(day, "test_spot", depths) for day, depths in group_visits(spot, zone_order)]
    visits += [(day, "treatment", depths) for day, depths in group_visits(dues, zone_order)]
    visits.sort(key=lambda visit: (visit[0], visit[1] != "test_spot"))
    first = 0 if test_spot else 1
    return tuple(
        ScheduledSession(
            session=number,
            date=dated(start, day),
            kind=kind,
            zones=list(depths),
            depth_mm=depths,
        )
        for number, (day, kind, depths) in enumerate(visits, start=first)
    )


def _unique(warnings: list[PlanWarning]) -> list[PlanWarning]:
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
    return [_cited_reference(reference) for reference in cited(kb, ids)]


@lru_cache(maxsize=1024)
def _cited_reference(reference: Cited) -> CitedReference:
    return CitedReference(
        id=reference.id, citation=reference.citation, evidence=list(reference.evidence)
    )


__all__ = ["Source", "as_request", "plan"]
