"""The public home check: no log-in, nothing stored. A person with a roller or stamp answers a
short questionnaire and gets the home-mode plan: a safe needle length and how often, aftercare,
the red flags that mean "see a clinician", and the popular claims corrected where they apply."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from microneedling.clinical.aftercare import patient_pre_care, warning_signs_apart
from microneedling.clinical.claims import claims_to_correct
from microneedling.clinical.models import Plan
from microneedling.clinical.planner import as_request
from microneedling.clinical.planner import plan as make_plan
from microneedling.errors import InputError
from microneedling.knowledge import load_knowledge
from microneedling.knowledge.citations import cited
from microneedling.knowledge.names import zone_choices, zone_names
from microneedling.web.pages.common import (
    FormDep,
    FormErrors,
    form_errors,
    in_plain_words,
    optional_actor,
    records_of,
    render,
    text,
)
from microneedling.web.pages.intake import answers_from, questions
from microneedling.web.pages.plan_pages import severities
from microneedling.web.pages.zone_map import legend, plan_fills, views

router = APIRouter()
RED_FLAG_ACTIONS = ("refuse", "defer", "clinician_only")


ASKED_WITH_WHEN = "isotretinoin"  # stopping it does not clear a person at once: ask when


def stopped_wait_days(code: str) -> int | None:
    """The home rule's wait after stopping a medicine (the knowledge base's number)."""
    rows = load_knowledge().contraindications
    waits = [r.wait.days for r in rows if r.code == code and "home" in r.settings and r.wait]
    return max(waits, default=None)


def home_choices() -> dict[str, Any]:
    kb = load_knowledge()
    asked = questions()
    return {
        **asked,
        "medications": [(c, name) for c, name in asked["medications"] if c != ASKED_WITH_WHEN],
        "asked_with_when": (ASKED_WITH_WHEN, kb.medications[ASKED_WITH_WHEN].name),
        "wait_days": stopped_wait_days(ASKED_WITH_WHEN),
        "indications": [
            (code, row.name) for code, row in kb.indications.items() if row.answer is None
        ],
        "zones": zone_choices(kb),
        "devices": [(code, d.name) for code, d in kb.devices.items() if code != "pen"],
        "claims": [(code, claim.claim) for code, claim in kb.claims.items()],
        "severities": [(s, s) for s in severities()],
        "recommended_mm": kb.rules.home.recommended_mm,
    }


def home_request(form: Any, today: dt.date) -> tuple[dict[str, Any], dict[str, str]]:
    answers = answers_from(form)
    fields = {f"client{path[len('answers') :]}": name for path, name in answers.fields.items()}
    fields.update(
        {
            "client": "fitzpatrick",
            "device": "device.type",
            "device.type": "device.type",
            "device.needle_length_mm": "device.needle_length_mm",
            "concerns": "indication",
            "concerns[0].indication": "indication",
            "concerns[0].zones": "zones",
            "concerns[0].severity": "severity",
            "claims": "claims",
        }
    )
    device: dict[str, Any] = {"type": text(form, "device.type")}
    if text(form, "device.needle_length_mm") is not None:
        device["needle_length_mm"] = text(form, "device.needle_length_mm")
    concern: dict[str, Any] = {
        "indication": text(form, "indication"),
        "zones": [z for z in form.getlist("zones") if z],
    }
    if text(form, "severity"):
        concern["severity"] = text(form, "severity")
    request = {
        "setting": "home",
        "device": device,
        "client": answers.data,
        "concerns": [concern],
        "claims": [c for c in form.getlist("claims") if c],
        "as_of": today.isoformat(),
    }
    return request, fields


def corrected_claims(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The claims the person asked about, and those their request relies on that the evidence
    does not back, each with what the evidence says."""
    kb = load_knowledge()
    rows = []
    for code in claims_to_correct(as_request(request), kb):
        claim = kb.claims[code]
        rows.append(
            {
                "id": code,
                "claim": claim.claim,
                "verdict": claim.verdict,
                "reason": claim.reason,
                "references": claim.references,
            }
        )
    return rows


def too_long(request: dict[str, Any], plan: Plan) -> list[dict[str, Any]]:
    """Zones where the person's own needle is longer than the length allowed at home there:
    that device must not be used on them, whatever else the plan allows."""
    kb = load_knowledge()
    length = request.get("device", {}).get("needle_length_mm")
    if length is None:
        return []
    return [
        {"zone": kb.zones[t.zone].name, "max_mm": t.depth_mm.max}
        for t in plan.treatments
        if t.status == "planned" and t.depth_mm and float(length) > t.depth_mm.max
    ]


def home_result(request: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """What the home check shows for a plan; `request` as the form sent it."""
    kb = load_knowledge()
    device = request.get("device", {})
    red_flags = [f for f in plan.findings if f.action in RED_FLAG_ACTIONS]
    care, signs = warning_signs_apart(plan.aftercare, kb)
    claims = corrected_claims(request)
    return {
        "plan": plan,
        "too_long": too_long(request, plan),
        "device_name": kb.devices[device["type"]].name.lower() if device.get("type") else "",
        "needle_mm": device.get("needle_length_mm"),
        "red_flags": red_flags,
        "warning_signs": signs,
        "aftercare": care,
        "pre_care": patient_pre_care((item.code for item in plan.pre_care), kb),
        "claims": claims,
        "fills": plan_fills(plan),
        "legend": legend(),
        "views": views(),
        "zone_names": zone_names(kb),
        "references": cited(
            kb,
            [r.id for r in plan.references]
            + [ref for claim in claims for ref in claim["references"]],
        ),
    }


def _context(form: Any, errors: FormErrors | None, result: Any, checked: bool) -> dict[str, Any]:
    return {"form": form, "errors": errors, "result": result, "checked": checked, **home_choices()}


class _Blank(dict[str, Any]):
    def getlist(self, _name: str) -> list[str]:
        return []


async def _note_actor(request: Request) -> None:
    """The page is public; a signed-in user still sees their own navigation."""
    request.state.actor = await optional_actor(request)


@router.get("/home-check", dependencies=[Depends(_note_actor)])
def home_form(request: Request) -> Response:
    return render(request, "home_check.html", _context(_Blank(), None, None, False))


@router.post("/home-check", dependencies=[Depends(_note_actor)])
def home_check(request: Request, form: FormDep) -> Response:
    """The home plan for these answers; nothing is stored or logged."""
    plan_request, fields = home_request(form, records_of(request).clock.today())
    try:
        plan = make_plan(plan_request)
    except InputError as error:
        errors = in_plain_words(form_errors(error, fields))
        context = _context(form, errors, None, True)
        return render(
            request, "home_check.html", context, fragment="_home_result.html", status_code=422
        )
    context = _context(form, None, home_result(plan_request, plan), True)
    return render(request, "home_check.html", context, fragment="_home_result.html")
