"""Consents on screen: a client's three consents with each one's standing decision; the
signing page (the text in full first, then the signature drawn with a finger, a pen or a mouse,
or a typed name and a tick for keyboard users, and an optional witness); a withdrawal the same
way. Each record opens as its signed copy, a page and a PDF."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.errors import InputError
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clinical_records import record
from microneedling.services.common import Records
from microneedling.services.consents import (
    CONSENT,
    SCOPE_NAMES,
    SCOPES,
    ConsentOut,
    consent_texts,
    current_version,
)
from microneedling.services.course import ClientCourse, client_course
from microneedling.services.errors import Conflict
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

router = APIRouter()
SIGN_FIELDS = (
    "signer_name",
    "signature_png",
    "typed_agreement",
    "witness_name",
    "witness_signature_png",
    "plan_id",
)


def standing(course: ClientCourse) -> list[dict[str, Any]]:
    """Each scope with its latest record (the client's standing decision), if any."""
    latest: dict[str, ConsentOut] = {}
    for consent in sorted(course.consents, key=lambda c: (c.signed_at, c.id)):
        latest[consent.scope] = consent
    return [
        {"scope": scope, "name": SCOPE_NAMES[scope], "latest": latest.get(scope)}
        for scope in SCOPES
    ]


@router.get("/clients/{client_id}/consents")
def consents_page(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int
) -> Response:
    course = client_course(records, actor, client_id)
    context = {
        "client": course.client,
        "scopes": standing(course),
        "consents": sorted(course.consents, key=lambda c: (c.signed_at, c.id), reverse=True),
        "can_consent": actor.can(Permission.RECORD_CONSENT),
        "plan_id": course.plan.id if course.plan else None,
    }
    return render(request, "consents.html", context)


def _sign_context(
    records: Records,
    actor: Actor,
    client_id: int,
    scope: str,
    decision: str,
    form: Any,
    errors: FormErrors | None,
) -> dict[str, Any]:
    require(actor, Permission.RECORD_CONSENT)
    course = client_course(records, actor, client_id)
    if scope not in SCOPES:
        raise InputError.one("scope", f"no consent '{scope}'", SCOPES)
    version = current_version(scope)
    return {
        "client": course.client,
        "scope": scope,
        "scope_name": SCOPE_NAMES[scope],
        "decision": "withdrawn" if decision == "withdrawn" else "given",
        "version": version,
        "consent_text": consent_texts()[(scope, version)],
        "plan_id": form.get("plan_id")
        or (course.plan.id if course.plan and scope == "treatment" else None),
        "form": form,
        "errors": errors,
    }


@router.get("/clients/{client_id}/consents/new")
def sign_form(
    request: Request,
    records: RecordsDep,
    actor: PageActorDep,
    client_id: int,
    scope: str = "treatment",
    decision: str = "given",
    plan_id: int | None = None,
) -> Response:
    form = {"plan_id": str(plan_id)} if plan_id else {}
    context = _sign_context(records, actor, client_id, scope, decision, form, None)
    return render(request, "consent_sign.html", context)


def consent_input(form: Any) -> dict[str, Any]:
    """The consent service's input from the signing form: a drawn signature signs
    electronically; without one, a typed name with the box ticked signs as `typed_name`."""
    data: dict[str, Any] = {
        "scope": text(form, "scope"),
        "decision": text(form, "decision") or "given",
        "signer_name": text(form, "signer_name"),
        "text_version": text(form, "text_version"),
    }
    drawn = text(form, "signature_png")
    typed = form.get("typed_agreement") == "true"
    if drawn:
        data.update(method="electronic_signature", signature_png=drawn)
    else:
        data.update(method="typed_name", typed_agreement=typed)
    if text(form, "plan_id"):
        data["plan_id"] = text(form, "plan_id")
    if text(form, "witness_name"):
        data["witness_name"] = text(form, "witness_name")
    if text(form, "witness_signature_png"):
        data["witness_signature_png"] = text(form, "witness_signature_png")
    return data


@router.post("/clients/{client_id}/consents")
def sign(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int, form: FormDep
) -> Response:
    data = consent_input(form)
    scope, decision = data["scope"] or "", data["decision"]
    try:
        saved = record(records, actor, CONSENT, client_id, data)
    except InputError as error:
        errors = form_errors(error, known=SIGN_FIELDS)
        if "typed_agreement" in errors.by_field:
            errors.by_field["typed_agreement"] = (
                "sign in the box, or type your name above and tick this box"
            )
        context = _sign_context(records, actor, client_id, scope, decision, form, errors)
        return render(request, "consent_sign.html", context, status_code=422)
    except Conflict as conflict:
        errors = FormErrors(general=[str(conflict)])
        context = _sign_context(records, actor, client_id, scope, decision, form, errors)
        return render(request, "consent_sign.html", context, status_code=409)
    return redirect(request, f"/consents/{saved.id}")
