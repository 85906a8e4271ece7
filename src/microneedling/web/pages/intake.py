"""Intake: the screening questions, built from the knowledge base, with the findings shown as
the form is filled (an HTMX swap of the same view's fragment, or a "Check" button). The live
check and the save both ask the intake service, so they cannot answer differently."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.clinical.models import Finding
from microneedling.errors import InputError
from microneedling.knowledge import load_knowledge
from microneedling.knowledge.citations import cited
from microneedling.scores.fitzpatrick_questionnaire import FitzpatrickAnswers
from microneedling.services import clients
from microneedling.services.access import Actor
from microneedling.services.clinical_records import record
from microneedling.services.common import Records
from microneedling.services.intakes import INTAKE, check_intake
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
FITZPATRICK_ITEMS = tuple(FitzpatrickAnswers.model_fields)


@dataclass
class Answers:
    """The plan contract's `client` object read from the form, and which form field each
    part of it came from (so a problem is shown beside its field)."""

    data: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)


def answers_from(form: Any) -> Answers:
    """The answers as given; the service completes age and phototype from the client's record."""
    kb = load_knowledge()
    result = Answers(fields={"answers": "fitzpatrick", "answers.age_years": "age_years"})
    data = result.data
    age = text(form, "age_years")
    if age is not None:
        data["age_years"] = age
    _phototype(form, result)
    for flag in ("pregnant", "breastfeeding"):
        data[flag] = form.get(flag) == "true"
    conditions: list[dict[str, Any]] = []
    for code, term in kb.conditions.items():
        status = text(form, f"cond.{code}.status")
        if status is None:
            continue
        entry: dict[str, Any] = {"code": code, "status": status}
        if term.variants and text(form, f"cond.{code}.variant"):
            entry["variant"] = text(form, f"cond.{code}.variant")
        result.fields[f"answers.conditions[{len(conditions)}]"] = f"cond.{code}.status"
        result.fields[f"answers.conditions[{len(conditions)}].variant"] = f"cond.{code}.variant"
        conditions.append(entry)
    medications: list[dict[str, Any]] = []
    for code in kb.medications:
        status = text(form, f"med.{code}.status")
        if status is None:
            continue
        entry = {"code": code, "status": status}
        days = text(form, f"med.{code}.days")
        if days is not None:
            entry["days_since_stopped"] = days
        path = f"answers.medications[{len(medications)}]"
        result.fields[path] = f"med.{code}.status"
        result.fields[f"{path}.days_since_stopped"] = f"med.{code}.days"
        medications.append(entry)
    procedures: list[dict[str, Any]] = []
    for code, term in kb.procedures.items():
        days = text(form, f"proc.{code}.days")
        if days is None:
            continue
        entry = {"code": code, "days_ago": days}
        if term.variants and text(form, f"proc.{code}.variant"):
            entry["variant"] = text(form, f"proc.{code}.variant")
        path = f"answers.recent_procedures[{len(procedures)}]"
        result.fields[path] = f"proc.{code}.days"
        result.fields[f"{path}.variant"] = f"proc.{code}.variant"
        procedures.append(entry)
    data.update(conditions=conditions, medications=medications, recent_procedures=procedures)
    return result


def _phototype(form: Any, result: Answers) -> None:
    """The phototype as given, or the questionnaire's ten answers when it is not."""
    data = result.data
    fitzpatrick = text(form, "fitzpatrick")
    questionnaire = {item: text(form, f"fitz.{item}") for item in FITZPATRICK_ITEMS}
    if fitzpatrick is not None:
        data["fitzpatrick"] = fitzpatrick
        result.fields["answers.fitzpatrick"] = "fitzpatrick"
    elif any(value is not None for value in questionnaire.values()):
        data["fitzpatrick_answers"] = {
            item: int(value) if value is not None and value.isdigit() else value
            for item, value in questionnaire.items()
        }
        for item in FITZPATRICK_ITEMS:
            result.fields[f"answers.fitzpatrick_answers.{item}"] = f"fitz.{item}"


def questions() -> dict[str, Any]:
    """The choices the form offers, all from the knowledge base and the questionnaire."""
    kb = load_knowledge()
    return {
        "conditions": [(code, term.name, term.variants) for code, term in kb.conditions.items()],
        "medications": [(code, term.name) for code, term in kb.medications.items()],
        "procedures": [(code, term.name, term.variants) for code, term in kb.procedures.items()],
        "phototypes": [(n, f"Type {n}") for n in range(1, 7)],
        "fitzpatrick_items": [
            (item, info.description or item)
            for item, info in FitzpatrickAnswers.model_fields.items()
        ],
        "points": [(n, str(n)) for n in range(5)],
    }


@dataclass
class Screening:
    findings: list[Finding]
    errors: FormErrors | None


def check(records: Records, actor: Actor, client_id: int, form: Any) -> Screening:
    answers = answers_from(form)
    try:
        result = check_intake(records, actor, client_id, {"answers": answers.data})
    except InputError as error:
        return Screening([], form_errors(error, answers.fields))
    return Screening(result.findings, None)


def _context(client: Any, form: Any, result: Screening | None, checked: bool) -> dict[str, Any]:
    findings = result.findings if result else []
    return {
        "client": client,
        "form": form,
        "errors": result.errors if result else None,
        "findings": findings,
        "checked": checked,
        "references": cited(load_knowledge(), (ref for f in findings for ref in f.references)),
        **questions(),
    }


@router.get("/clients/{client_id}/intake")
def intake_form(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int
) -> Response:
    client = clients.get_client(records, actor, client_id)
    return render(request, "intake.html", _context(client, {}, None, False))


@router.post("/clients/{client_id}/intake/check")
def intake_check(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int, form: FormDep
) -> Response:
    """The findings for the answers so far, saving nothing."""
    client = clients.get_client(records, actor, client_id)
    result = check(records, actor, client_id, form)
    return render(
        request, "intake.html", _context(client, form, result, True), fragment="_findings.html"
    )


@router.post("/clients/{client_id}/intake")
def save_intake(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int, form: FormDep
) -> Response:
    client = clients.get_client(records, actor, client_id)
    answers = answers_from(form)
    try:
        record(records, actor, INTAKE, client_id, {"answers": answers.data})
    except InputError as error:
        result = Screening([], form_errors(error, answers.fields))
        return render(request, "intake.html", _context(client, form, result, True), status_code=422)
    return redirect(request, f"/clients/{client_id}")
