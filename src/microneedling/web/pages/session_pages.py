"""Sessions: a form prefilled from the plan for the session due (zones, depths, passes), with
device, cartridge, lot and single-use confirmation, and warnings wherever a value departs from
the plan (shown live, and kept on the saved record)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.clinical.models import Plan
from microneedling.clinical.session_check import LoggedSession, LoggedZone, session_warnings
from microneedling.errors import InputError
from microneedling.knowledge import load_knowledge
from microneedling.services import clients
from microneedling.services.access import Actor
from microneedling.services.clinical_records import read, record
from microneedling.services.common import Records, dump, parse
from microneedling.services.errors import Conflict
from microneedling.services.plans import PlanOut
from microneedling.services.timeline import timeline
from microneedling.services.treatment_sessions import (
    SESSION,
    AdverseEvent,
    SessionIn,
    SessionOut,
)
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
from microneedling.web.pages.course import current, latest_id, read_plan

router = APIRouter()
SEVERITIES = AdverseEvent.model_json_schema()["properties"]["severity"]["enum"]
SIMPLE_FIELDS = (
    "performed_on",
    "device",
    "device_model",
    "cartridge",
    "lot_number",
    "end_point",
    "anaesthetic",
    "immediate_reactions",
    "notes",
)


@dataclass(frozen=True)
class Course:
    """The plan a session follows and the sessions already logged against it."""

    plan: PlanOut
    logged: list[SessionOut]

    @property
    def due(self) -> dict[str, Any] | None:
        schedule = self.plan.plan.get("schedule", [])
        return schedule[len(self.logged)] if len(self.logged) < len(schedule) else None

    @property
    def previous_on(self) -> dt.date | None:
        return max((s.performed_on for s in self.logged), default=None)


def course_of(records: Records, actor: Actor, client_id: int) -> Course:
    entries = timeline(records, actor, client_id)
    plan_id = latest_id(entries, "plan")
    if plan_id is None:
        raise Conflict("make a plan before logging a session")
    plan = read_plan(records, actor, plan_id)
    sessions = [read(records, actor, SESSION, e.id) for e in current(entries, "session")]
    logged = [s for s in sessions if isinstance(s, SessionOut) and s.plan_id == plan_id]
    return Course(plan, logged)


def prefill(course: Course, today: dt.date) -> dict[str, Any]:
    """The form's values for the session due: its zones and depths, the plan's passes."""
    plan = course.plan.plan
    values: dict[str, Any] = {
        "performed_on": today.isoformat(),
        "device": course.plan.request.get("device", {}).get("type", ""),
    }
    passes = {t["zone"]: t["passes"] for t in plan["treatments"] if t["status"] == "planned"}
    due = course.due or {"zones": list(passes), "depth_mm": {}}
    for row, zone in enumerate(due["zones"]):
        values[f"z{row}.zone"] = zone
        depth = due["depth_mm"].get(zone)
        values[f"z{row}.needle_mm"] = "" if depth is None else f"{depth:g}"
        values[f"z{row}.passes"] = passes.get(zone) or ""
    return values


def rows_in(form: Any) -> int:
    return 1 + max((int(k[1:].split(".")[0]) for k in form if _is_row_key(k)), default=-1)


def _is_row_key(key: str) -> bool:
    return key.startswith("z") and "." in key and key[1:].split(".", maxsplit=1)[0].isdigit()


def session_input(form: Any, plan_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    fields = {name: name for name in SIMPLE_FIELDS}
    fields.update({"zones": "z0.zone", "single_use": "single_use", "topicals": "topicals"})
    data: dict[str, Any] = {name: text(form, name) for name in SIMPLE_FIELDS}
    data = {name: value for name, value in data.items() if value is not None}
    data["performed_on"] = text(form, "performed_on")
    data["device"] = text(form, "device")
    data.update(plan_id=plan_id, single_use=form.get("single_use") == "true")
    data["topicals"] = [t for t in form.getlist("topicals") if t]
    zones: list[dict[str, Any]] = []
    for row in range(rows_in(form)):
        zone = text(form, f"z{row}.zone")
        if zone is None:
            continue
        entry: dict[str, Any] = {"zone": zone, "needle_mm": text(form, f"z{row}.needle_mm")}
        if text(form, f"z{row}.passes") is not None:
            entry["passes"] = text(form, f"z{row}.passes")
        for name in ("zone", "needle_mm", "passes"):
            fields[f"zones[{len(zones)}].{name}"] = f"z{row}.{name}"
        fields[f"zones[{len(zones)}]"] = f"z{row}.zone"
        zones.append(entry)
    data["zones"] = zones
    event = text(form, "ae.event")
    if event is not None:
        adverse: dict[str, Any] = {"event": event, "severity": text(form, "ae.severity")}
        if text(form, "ae.onset_days") is not None:
            adverse["onset_days"] = text(form, "ae.onset_days")
        data["adverse_events"] = [adverse]
        for name in ("event", "severity", "onset_days"):
            fields[f"adverse_events[0].{name}"] = f"ae.{name}"
    return data, fields


def check(course: Course, data: dict[str, Any], fields: dict[str, str]) -> tuple[Any, Any]:
    """The warnings this session would carry, or the form's errors; saves nothing."""
    try:
        parsed = parse(SessionIn, data)
    except InputError as error:
        return [], form_errors(error, fields)
    logged = LoggedSession(
        performed_on=parsed.performed_on,
        zones=[LoggedZone(z.zone, z.needle_mm) for z in parsed.zones],
        single_use=parsed.single_use,
        topicals=parsed.topicals,
    )
    plan = Plan.model_validate(course.plan.plan)
    found = session_warnings(logged, plan, course.previous_on, load_knowledge())
    return [dump(w) for w in found], None


class Values(dict[str, Any]):
    """Prefilled values read like a posted form."""

    def getlist(self, name: str) -> list[Any]:
        value = self.get(name)
        return value if isinstance(value, list) else [] if value is None else [value]


def _context(
    client: Any, course: Course, form: Any, errors: FormErrors | None, warnings: Any, checked: bool
) -> dict[str, Any]:
    kb = load_knowledge()
    return {
        "client": client,
        "course": course,
        "due": course.due,
        "form": form,
        "errors": errors,
        "warnings": warnings,
        "checked": checked,
        "rows": range(max(rows_in(form), 0) + 1),
        "zones": [(code, zone.name) for code, zone in kb.zones.items()],
        "devices": [(code, device.name) for code, device in kb.devices.items()],
        "topicals": [(code, t.name) for code, t in kb.topicals.items()],
        "severities": [(s, s) for s in SEVERITIES],
    }


@router.get("/clients/{client_id}/session")
def session_form(
    request: Request, records: RecordsDep, actor: ActorDep, client_id: int
) -> Response:
    client = clients.get_client(records, actor, client_id)
    course = course_of(records, actor, client_id)
    form = Values(prefill(course, dt.date.today()))
    return render(request, "session_form.html", _context(client, course, form, None, [], False))


@router.post("/clients/{client_id}/session/check")
def session_check(
    request: Request, records: RecordsDep, actor: ActorDep, client_id: int, form: FormDep
) -> Response:
    client = clients.get_client(records, actor, client_id)
    course = course_of(records, actor, client_id)
    data, fields = session_input(form, course.plan.id)
    warnings, errors = check(course, data, fields)
    context = _context(client, course, form, errors, warnings, True)
    return render(request, "session_form.html", context, fragment="_session_warnings.html")


@router.post("/clients/{client_id}/sessions")
def save_session(
    request: Request, records: RecordsDep, actor: ActorDep, client_id: int, form: FormDep
) -> Response:
    client = clients.get_client(records, actor, client_id)
    course = course_of(records, actor, client_id)
    data, fields = session_input(form, course.plan.id)
    try:
        saved = record(records, actor, SESSION, client_id, data)
    except InputError as error:
        context = _context(client, course, form, form_errors(error, fields), [], True)
        return render(request, "session_form.html", context, status_code=422)
    return redirect(request, f"/records/session/{saved.id}")  # type: ignore[attr-defined]
