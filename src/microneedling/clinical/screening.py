"""Screening: which contraindication rows fire for a request, and which treatments they touch.

The rules are data (contraindications.toml, described in docs/knowledge-base.md): a row
fires for the client's matching conditions, medications, procedures, pregnancy, age,
indications or scar types, scoped to the whole plan, the treated zones it touches, or every
treated zone of a kind (the face, keloid-prone sites) wherever the condition was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from microneedling.clinical.models import (
    DeviceRequest,
    Finding,
    PlanRequest,
    ScreeningAnswers,
    Until,
)
from microneedling.knowledge import Knowledge
from microneedling.knowledge.models import Contraindication, Setting

TreatmentKey = tuple[str, str]  # (indication, zone)


@dataclass(frozen=True)
class Subject:
    """One thing in the request that a rule matched, with where it is and how long ago."""

    zones: tuple[str, ...] | None
    elapsed_days: int | None
    elapsed_known: bool


@dataclass(frozen=True)
class Fired:
    """A rule that fired: its finding and the treatments it touches."""

    rule: Contraindication
    finding: Finding
    touched: frozenset[TreatmentKey]

    @property
    def is_global(self) -> bool:
        return self.finding.zones is None


def _variant_matches(rule: Contraindication, variant: str | None) -> bool:
    return not rule.variants or (variant or "unknown") in rule.variants


def _subjects(rule: Contraindication, request: PlanRequest) -> list[Subject]:
    """The request's entries that this rule applies to (empty: the rule does not fire)."""
    client = request.client
    statuses = rule.statuses
    match rule.trigger:
        case "condition":
            return [
                Subject(tuple(c.zones) if c.zones else None, 0, True)
                for c in client.conditions
                if c.code == rule.code
                and (not statuses or c.status in statuses)
                and _variant_matches(rule, c.variant)
            ]
        case "medication":
            return [
                Subject(None, m.days_since_stopped or 0, m.status == "stopped")
                for m in client.medications
                if m.code == rule.code and (not statuses or m.status in statuses)
            ]
        case "procedure":
            return [
                Subject(tuple(p.zones) if p.zones else None, p.days_ago, True)
                for p in client.recent_procedures
                if p.code == rule.code and _variant_matches(rule, p.variant)
            ]
        case "pregnancy":
            return [Subject(None, None, False)] if client.pregnant else []
        case "breastfeeding":
            return [Subject(None, None, False)] if client.breastfeeding else []
        case "age":
            low = rule.age_from_years or 0
            high = rule.age_below_years if rule.age_below_years is not None else 1000
            return [Subject(None, None, False)] if low <= client.age_years < high else []
        case "indication":
            wanted = set(rule.indications)
            hit = any(concern.indication in wanted for concern in request.concerns)
            return [Subject(None, None, False)] if hit else []
        case "scar_type":
            return [
                Subject(tuple(concern.zones), None, False)
                for concern in request.concerns
                if set(rule.scar_types).intersection(concern.scar_types)
            ]


def _still_waiting(rule: Contraindication, subject: Subject) -> bool:
    if rule.wait is None or not subject.elapsed_known or subject.elapsed_days is None:
        return True
    return subject.elapsed_days < rule.wait.days


def _touched(
    rule: Contraindication,
    subjects: list[Subject],
    treatments: list[TreatmentKey],
    facial_zones: frozenset[str],
) -> frozenset[TreatmentKey]:
    touched: set[TreatmentKey] = set()
    for indication, zone in treatments:
        if rule.indications and indication not in rule.indications:
            continue
        if indication in rule.indications_except:
            continue
        if rule.zones and zone not in rule.zones:
            continue
        if rule.scope == "face" and zone not in facial_zones:
            continue
        if rule.scope == "zone" and not any(
            subject.zones is None or zone in subject.zones for subject in subjects
        ):
            continue
        touched.add((indication, zone))
    return frozenset(touched)


def _until(rule: Contraindication, subjects: list[Subject], as_of: date) -> Until | None:
    if rule.wait is None:
        return Until(condition=rule.until_condition) if rule.until_condition else None
    remaining = [
        rule.wait.days - (subject.elapsed_days or 0)
        for subject in subjects
        if subject.elapsed_known
    ]
    until_date = as_of + timedelta(days=max(remaining)) if remaining else None
    return Until(date=until_date, after_days=rule.wait.days, condition=rule.until_condition)


def _references(rule: Contraindication) -> list[str]:
    refs = list(rule.references)
    for sourced in (rule.wait, rule.depth_cap):
        if sourced is not None:
            refs += [ref for ref in sourced.references if ref not in refs]
    return refs


def _codes_in(request: PlanRequest) -> set[str]:
    """The codes a rule can match on: anything else in the knowledge base cannot fire."""
    client = request.client
    codes = {c.code for c in client.conditions}
    codes |= {m.code for m in client.medications}
    codes |= {p.code for p in client.recent_procedures}
    codes |= {c.indication for c in request.concerns}
    return codes


_ALWAYS_CHECKED = frozenset({"age", "pregnancy", "breastfeeding", "scar_type"})


def screen(
    request: PlanRequest,
    kb: Knowledge,
    treatments: list[TreatmentKey],
    combination_codes: frozenset[str],
) -> list[Fired]:
    """Every rule that fires for this request, in knowledge-base order.

    `with_combinations` matches a combination the plan suggests or a topical the client names.
    """
    products = combination_codes.union(request.topicals)
    facial_zones = frozenset(code for code, zone in kb.zones.items() if zone.facial)
    fired: list[Fired] = []
    present = _codes_in(request)
    zone_order = list(kb.zones)
    for rule in kb.contraindications:
        if rule.trigger not in _ALWAYS_CHECKED and rule.code not in present:
            continue
        if rule.trigger == "indication" and not present.intersection(rule.indications):
            continue
        if request.setting not in rule.settings:
            continue
        if rule.with_combinations and not products.intersection(rule.with_combinations):
            continue
        subjects = [s for s in _subjects(rule, request) if _still_waiting(rule, s)]
        if not subjects:
            continue
        touched = _touched(rule, subjects, treatments, facial_zones)
        scoped = rule.scope != "global" or bool(rule.indications or rule.indications_except)
        if scoped and not touched:
            continue
        zones = sorted({zone for _, zone in touched}, key=zone_order.index) if scoped else None
        finding = Finding(
            code=rule.code,
            action=rule.action,
            zones=zones,
            until=_until(rule, subjects, request.as_of),
            reason=rule.reason,
            references=_references(rule),
        )
        fired.append(Fired(rule, finding, touched))
    return fired


def screen_client(
    client: ScreeningAnswers, setting: Setting, as_of: date, kb: Knowledge
) -> list[Finding]:
    """The findings that hold for the client whatever is treated (intake screening).

    Rows scoped to zones or indications need a treatment to touch, so with none planned only
    the client-wide rows fire: the same rows, reasons and references a plan would report.
    """
    request = _client_request(client, setting, as_of)
    return [fired.finding for fired in screen(request, kb, [], frozenset())]


def screen_intake(
    client: ScreeningAnswers, setting: Setting, as_of: date, kb: Knowledge
) -> list[Finding]:
    """Intake screening before any plan: the client-wide findings of `screen_client`, and each
    row scoped to zones with every zone it would hold back (active cold sores: every facial
    zone; a condition with no zones given: every zone). Rows scoped to an indication wait for
    the plan's concerns."""
    request = _client_request(client, setting, as_of)
    everywhere: list[TreatmentKey] = [("", zone) for zone in kb.zones]
    return [
        fired.finding
        for fired in screen(request, kb, everywhere, frozenset())
        if fired.rule.scope != "global" or fired.is_global
    ]


def _client_request(client: ScreeningAnswers, setting: Setting, as_of: date) -> PlanRequest:
    """A request with the client's answers and nothing to treat (screening without a plan)."""
    return PlanRequest.model_construct(
        setting=setting,
        device=DeviceRequest(type="pen"),
        client=client,
        concerns=[],
        topicals=[],
        claims=[],
        as_of=as_of,
        start_date=None,
    )
