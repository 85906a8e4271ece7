"""One clinical record as stored, with the original beside it when it is an amendment, and a
form to amend it (a new version that keeps the original and says why)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.errors import InputError
from microneedling.services import amendments
from microneedling.services.access import Actor, Permission
from microneedling.services.clinical_records import RecordKind, read
from microneedling.services.common import Records
from microneedling.services.consents import CONSENT
from microneedling.services.errors import NotFound
from microneedling.services.intakes import INTAKE
from microneedling.services.photos import PHOTO
from microneedling.services.plans import PLAN
from microneedling.services.scores import SCORE
from microneedling.services.treatment_sessions import SESSION
from microneedling.web.pages.common import (
    ActorDep,
    FormDep,
    FormErrors,
    RecordsDep,
    form_errors,
    redirect,
    render,
    text,
)

router = APIRouter()
KINDS: dict[str, RecordKind[Any]] = {
    kind.entity: kind for kind in (INTAKE, PLAN, CONSENT, SESSION, SCORE, PHOTO)
}
HIDDEN = {"id", "client_id", "supersedes_id", "amendment_reason"}


def kind_of(entity: str, record_id: int) -> RecordKind[Any]:
    if entity not in KINDS:
        raise NotFound(entity, record_id)
    return KINDS[entity]


def shown(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str, indent=1)
    return "" if value is None else str(value)


def _context(
    records: Records, actor: Actor, entity: str, record_id: int, form: Any, errors: Any
) -> dict[str, Any]:
    kind = kind_of(entity, record_id)
    row = read(records, actor, kind, record_id).model_dump(mode="json")
    original = None
    if row.get("supersedes_id"):
        original = read(records, actor, kind, row["supersedes_id"]).model_dump(mode="json")
    names = [name for name in row if name not in HIDDEN]
    rows = [
        {
            "name": name,
            "value": shown(row[name]),
            "original": shown(original.get(name)) if original else None,
            "changed": original is not None and original.get(name) != row[name],
        }
        for name in names
    ]
    amendable = entity in amendments.AMENDABLE and actor.can(Permission.AMEND)
    fields = [n for n in kind.input_model.model_fields if n not in kind.fixed]
    return {
        "entity": entity,
        "row": row,
        "rows": rows,
        "original": original,
        "amendable": amendable,
        "fields": [(n, n.replace("_", " ")) for n in fields],
        "form": form,
        "errors": errors,
    }


@router.get("/records/{entity}/{record_id}")
def record_page(
    request: Request, records: RecordsDep, actor: ActorDep, entity: str, record_id: int
) -> Response:
    context = _context(records, actor, entity, record_id, {}, None)
    return render(request, "record.html", context)


def parsed_value(raw: str) -> Any:
    """A JSON value when it reads as one (numbers, true/false, lists), else the text."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


@router.post("/records/{entity}/{record_id}/amend")
def amend(
    request: Request,
    records: RecordsDep,
    actor: ActorDep,
    entity: str,
    record_id: int,
    form: FormDep,
) -> Response:
    name = text(form, "field") or ""
    raw = str(form.get("value") or "")
    data = {"changes": {name: parsed_value(raw)} if name else {}, "reason": text(form, "reason")}
    try:
        amended = amendments.amend_record(records, actor, entity, record_id, data)
    except InputError as error:
        errors: FormErrors = form_errors(error, {"changes": "value", "reason": "reason"})
        if not name:
            errors.by_field = {"field": "choose the field to correct", **errors.by_field}
            errors.by_field.pop("value", None)
        context = _context(records, actor, entity, record_id, form, errors)
        return render(request, "record.html", context, status_code=422)
    return redirect(request, f"/records/{entity}/{amended.id}")  # type: ignore[attr-defined]
