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
from microneedling.services.clinical_records import read
from microneedling.services.common import Records
from microneedling.services.record_kinds import AnyKind, kind_named
from microneedling.web.pages.amend_form import Control, control_for, error_fields, submitted
from microneedling.web.pages.common import (
    FormDep,
    FormErrors,
    PageActorDep,
    RecordsDep,
    form_errors,
    redirect,
    render,
    term_name,
    text,
)

router = APIRouter()
HIDDEN = {"id", "client_id", "supersedes_id", "amendment_reason"}


NAMED = {"zone", "zones", "code", "topicals", "indication"}


def shown(value: Any, name: str = "") -> str:
    """A stored value as people read it: codes by their names, a list of items one per line
    ("zone: Cheeks · needle mm: 1"); free-form answers stay as stored."""
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return "\n".join(
            " · ".join(f"{key.replace('_', ' ')}: {shown(v, key)}" for key, v in item.items())
            for item in value
        )
    if isinstance(value, list):
        return ", ".join(shown(item, name) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str, indent=1)
    if isinstance(value, str) and name in NAMED:
        return term_name(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _controls(kind: AnyKind, row: dict[str, Any]) -> dict[str, Control]:
    """One control per field that can be corrected, in the input model's order."""
    fields = kind.input_model.model_fields
    found = (
        (name, control_for(name, info.annotation, row.get(name)))
        for name, info in fields.items()
        if name not in kind.fixed
    )
    return {name: control for name, control in found if control is not None}


def _context(
    records: Records,
    actor: Actor,
    entity: str,
    record_id: int,
    form: Any,
    errors: Any,
    correcting: str | None = None,
) -> dict[str, Any]:
    kind = kind_named(entity, record_id)
    row = read(records, actor, kind, record_id).model_dump(mode="json")
    original = None
    if row.get("supersedes_id"):
        original = read(records, actor, kind, row["supersedes_id"]).model_dump(mode="json")
    names = [name for name in row if name not in HIDDEN]
    amendable = kind.amendable and actor.can(Permission.AMEND)
    controls = _controls(kind, row) if amendable else {}
    rows = [
        {
            "name": name,
            "value": shown(row[name], name),
            "original": shown(original.get(name), name) if original else None,
            "changed": original is not None and original.get(name) != row[name],
            "correctable": name in controls,
        }
        for name in names
    ]
    return {
        "entity": entity,
        "row": row,
        "rows": rows,
        "original": original,
        "amendable": amendable,
        "control": controls.get(correcting or ""),
        "form": form,
        "errors": errors,
    }


@router.get("/records/{entity}/{record_id}")
def record_page(
    request: Request,
    records: RecordsDep,
    actor: PageActorDep,
    entity: str,
    record_id: int,
    correct: str | None = None,
) -> Response:
    """The record; `?correct=FIELD` opens the form that corrects that field."""
    context = _context(records, actor, entity, record_id, {}, None, correct)
    return render(request, "record.html", context)


@router.post("/records/{entity}/{record_id}/amend")
def amend(
    request: Request,
    records: RecordsDep,
    actor: PageActorDep,
    entity: str,
    record_id: int,
    form: FormDep,
) -> Response:
    name = text(form, "field") or ""
    kind = kind_named(entity, record_id)
    current = read(records, actor, kind, record_id).model_dump(mode="json")
    control = _controls(kind, current).get(name)
    changes = {name: submitted(control, form)} if control else {}
    data = {"changes": changes, "reason": text(form, "reason")}
    try:
        amended = amendments.amend_record(records, actor, entity, record_id, data)
    except InputError as error:
        fields = error_fields(control, "changes") if control else {}
        errors: FormErrors = form_errors(error, {**fields, "changes": name or "field"}, {"reason"})
        if control is None:
            errors.by_field = {"field": "choose a field that can be corrected"}
        context = _context(records, actor, entity, record_id, form, errors, name)
        return render(request, "record.html", context, status_code=422)
    return redirect(request, f"/records/{entity}/{amended.id}")
