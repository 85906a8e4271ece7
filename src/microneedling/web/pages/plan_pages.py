"""Plans: concerns and zones picked on the face and body map, a live preview, the saved plan
(zones coloured by planned depth, schedule, combinations, referrals, references) and its
acceptance with the client's consent."""

from __future__ import annotations

from typing import Any, get_args

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.clinical.models import Plan, Severity
from microneedling.errors import InputError
from microneedling.knowledge import load_knowledge
from microneedling.knowledge.citations import cited
from microneedling.knowledge.names import indication_names, zone_choices, zone_names
from microneedling.services import appointments, plans, rooms
from microneedling.services.access import Actor, Permission
from microneedling.services.clinical_records import record
from microneedling.services.common import Records
from microneedling.services.consents import CONSENT, Method, consent_texts, current_version
from microneedling.services.course import alerts_in, client_course
from microneedling.services.errors import Conflict
from microneedling.services.intakes import IntakeOut
from microneedling.services.plans import PLAN, read_plan
from microneedling.web.pages.common import (
    FormDep,
    FormErrors,
    PageActorDep,
    RecordsDep,
    form_errors,
    redirect,
    render,
    text,
)
from microneedling.web.pages.diary_pages import clock_context, plan_bookings
from microneedling.web.pages.zone_map import legend, plan_fills, views

router = APIRouter()
CONCERN_BLOCKS = 2
# A typed name is a signature only with its agreement ticked, which this form does not ask.
CONSENT_METHODS = [method for method in get_args(Method) if method != "typed_name"]


def severities() -> tuple[str, ...]:
    return get_args(Severity)


def choices() -> dict[str, Any]:
    kb = load_knowledge()
    return {
        "indications": [(code, row.name) for code, row in kb.indications.items()],
        "zones": zone_choices(kb),
        "devices": [(code, device.name) for code, device in kb.devices.items()],
        "scar_types": [(code, term.name) for code, term in kb.scar_types.items()],
        "topicals": [(code, topical.name) for code, topical in kb.topicals.items()],
        "claims": [(code, claim.claim) for code, claim in kb.claims.items()],
        "severities": [(s, s) for s in severities()],
        "views": views(),
        "blocks": range(CONCERN_BLOCKS),
    }


def plan_input(form: Any, intake_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The plan service's input from the form, and the form field behind each path."""
    fields = {
        "device": "device.type",
        "device.type": "device.type",
        "device.needle_length_mm": "device.needle_length_mm",
        "start_date": "start_date",
        "concerns": "c0.indication",
        "topicals": "topicals",
        "claims": "claims",
    }
    device: dict[str, Any] = {"type": text(form, "device.type")}
    length = text(form, "device.needle_length_mm")
    if length is not None:
        device["needle_length_mm"] = length
    concerns: list[dict[str, Any]] = []
    for block in range(CONCERN_BLOCKS):
        indication = text(form, f"c{block}.indication")
        zones = [z for z in form.getlist(f"c{block}.zones") if isinstance(z, str)]
        if indication is None and not zones:
            continue
        concern: dict[str, Any] = {"indication": indication, "zones": zones}
        if text(form, f"c{block}.severity"):
            concern["severity"] = text(form, f"c{block}.severity")
        concern["scar_types"] = [s for s in form.getlist(f"c{block}.scar_types") if s]
        path = f"concerns[{len(concerns)}]"
        fields[path] = f"c{block}.indication"
        for name in ("indication", "zones", "severity", "scar_types"):
            fields[f"{path}.{name}"] = f"c{block}.{name}"
        concerns.append(concern)
    data = {
        "intake_id": intake_id,
        "setting": "clinic",
        "device": device,
        "concerns": concerns,
        "topicals": [t for t in form.getlist("topicals") if t],
        "claims": [c for c in form.getlist("claims") if c],
        "start_date": text(form, "start_date"),
    }
    return data, fields


def _form_context(client: Any, intake: Any, form: Any, errors: FormErrors | None) -> dict[str, Any]:
    picked = {
        f"c{b}": set(form.getlist(f"c{b}.zones")) if hasattr(form, "getlist") else set()
        for b in range(CONCERN_BLOCKS)
    }
    filled = [key for key, value in form.multi_items() if value] if form else []
    filled += list(errors.by_field) if errors else []
    return {
        "alerts": alerts_in(client.notes),
        "client": client,
        "intake": intake,
        "form": form,
        "errors": errors,
        "picked": picked,
        # An optional concern opens when it holds something, so nothing filled is hidden.
        "opened": {
            f"c{b}" for b in range(CONCERN_BLOCKS) if any(k.startswith(f"c{b}.") for k in filled)
        },
        "preview": None,
        **choices(),
    }


def _need_intake(records: Records, actor: Actor, client_id: int) -> tuple[Any, IntakeOut]:
    """The client and the latest intake a plan starts from (one read of the course)."""
    course = client_course(records, actor, client_id)
    if course.intake is None:
        raise Conflict("record an intake before planning")
    return course.client, course.intake


@router.get("/clients/{client_id}/plan")
def plan_form(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int
) -> Response:
    client, intake = _need_intake(records, actor, client_id)
    return render(request, "plan_form.html", _form_context(client, intake, _Empty(), None))


class _Empty(dict[str, Any]):
    """A blank form: no values, and an empty list for any repeated field."""

    def getlist(self, _name: str) -> list[str]:
        return []


def plan_view(plan: Plan) -> dict[str, Any]:
    """What the plan page and the preview show of a plan."""
    kb = load_knowledge()
    return {
        "plan": plan,
        "fills": plan_fills(plan),
        "legend": legend(),
        "views": views(),
        "zone_names": zone_names(kb),
        "indication_names": indication_names(kb),
        "references": cited(kb, (ref.id for ref in plan.references)),
    }


@router.post("/clients/{client_id}/plan/preview")
def plan_preview(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int, form: FormDep
) -> Response:
    """The plan these choices would give, saving nothing."""
    client, intake = _need_intake(records, actor, client_id)
    data, fields = plan_input(form, intake.id)
    context = _form_context(client, intake, form, None)
    request_data = {k: v for k, v in data.items() if k != "intake_id" and v is not None}
    try:
        preview = plans.preview_plan(
            actor, {**request_data, "client": intake.answers}, records.clock.today()
        )
        context["preview"] = plan_view(preview)
    except InputError as error:
        context["errors"] = form_errors(error, fields)
    return render(request, "plan_form.html", context, fragment="_plan_preview.html")


@router.post("/clients/{client_id}/plans")
def save_plan(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int, form: FormDep
) -> Response:
    client, intake = _need_intake(records, actor, client_id)
    data, fields = plan_input(form, intake.id)
    try:
        saved = record(records, actor, PLAN, client_id, data)
    except InputError as error:
        context = _form_context(client, intake, form, form_errors(error, fields))
        return render(request, "plan_form.html", context, status_code=422)
    return redirect(request, f"/plans/{saved.id}")


def _plan_page(
    request: Request,
    records: Records,
    actor: Actor,
    plan_id: int,
    form: Any,
    errors: Any,
    status_code: int = 422,
) -> Response:
    saved = read_plan(records, actor, plan_id)
    course = client_course(records, actor, saved.client_id)
    context = {
        "saved": saved,
        "client": course.client,
        "course": course,
        "consents": [c for c in course.consents if c.plan_id == saved.id],
        "methods": [(m, m.replace("_", " ")) for m in CONSENT_METHODS],
        "form": form,
        "errors": errors,
        "can_book": actor.can(Permission.BOOK),
        **plan_bookings(records, course, saved.id),
        "can_consent": actor.can(Permission.RECORD_CONSENT),
        "consent_version": current_version("treatment"),
        "consent_text": consent_texts()[("treatment", current_version("treatment"))],
        **plan_view(saved.plan),
    }
    return render(request, "plan.html", context, status_code=status_code if errors else 200)


@router.get("/plans/{plan_id}")
def plan_page(request: Request, records: RecordsDep, actor: PageActorDep, plan_id: int) -> Response:
    return _plan_page(request, records, actor, plan_id, {}, None)


@router.post("/plans/{plan_id}/consent")
def accept_plan(
    request: Request, records: RecordsDep, actor: PageActorDep, plan_id: int, form: FormDep
) -> Response:
    """Accept the plan: the client's consent to treatment, tied to this plan."""
    saved = read_plan(records, actor, plan_id)
    data = {
        "scope": "treatment",
        "plan_id": plan_id,
        "signer_name": text(form, "signer_name"),
        "method": text(form, "method"),
    }
    try:
        record(records, actor, CONSENT, saved.client_id, data)
    except InputError as error:
        errors = form_errors(error, known=("signer_name", "method"))
        return _plan_page(request, records, actor, plan_id, form, errors)
    except Conflict as conflict:
        errors = FormErrors(general=[str(conflict)])
        return _plan_page(request, records, actor, plan_id, form, errors, status_code=409)
    return redirect(request, f"/plans/{plan_id}")


def _booking_page(
    request: Request,
    records: Records,
    actor: Actor,
    plan_id: int,
    form: Any,
    errors: Any,
    status_code: int = 200,
) -> Response:
    saved = read_plan(records, actor, plan_id)
    context = {
        "saved": saved,
        "form": form,
        "errors": errors,
        "practitioners": [(p.id, p.full_name) for p in rooms.list_practitioners(records, actor)],
        "rooms": [(r.name, r.name) for r in rooms.list_rooms(records, actor)],
        **clock_context(records),
    }
    return render(request, "plan_booking.html", context, status_code=status_code)


@router.get("/plans/{plan_id}/book")
def booking_form(
    request: Request, records: RecordsDep, actor: PageActorDep, plan_id: int
) -> Response:
    """Book the plan's sessions still to come, each on its day, at one chosen time."""
    return _booking_page(
        request, records, actor, plan_id, {"time": "10:00", "duration_minutes": "60"}, None
    )


@router.post("/plans/{plan_id}/book")
def book_plan(
    request: Request, records: RecordsDep, actor: PageActorDep, plan_id: int, form: FormDep
) -> Response:
    data = {
        "practitioner_id": text(form, "practitioner_id"),
        "room": text(form, "room"),
        "time": text(form, "time"),
        "duration_minutes": text(form, "duration_minutes"),
    }
    try:
        appointments.book_plan(records, actor, plan_id, data)
    except InputError as error:
        errors = form_errors(error, known=(*data, "sessions"))
        return _booking_page(request, records, actor, plan_id, form, errors, 422)
    except Conflict as error:
        errors = FormErrors(general=[str(error)])
        return _booking_page(request, records, actor, plan_id, form, errors, 409)
    return redirect(request, f"/plans/{plan_id}#bookings")
