"""Sessions: a form prefilled from the plan for the session due (zones, depths, passes), with
device, cartridge, the lots used (chosen, typed or scanned by number, checked against the
catalogue's stock) and single-use confirmation. The service's session gate answers both the
live check and the save: each departure from the plan or the latest intake is shown at its field
and in a summary at the top, and a session that departs is saved only once the departures are
confirmed with a reason. The pre-session questions come first: a change since the last visit
sends the user to a new intake before the session is saved."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, get_args

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.clinical.models import ScheduledSession, Severity
from microneedling.clinical.session_check import Departure
from microneedling.errors import InputError
from microneedling.knowledge import load_knowledge
from microneedling.knowledge.names import zone_choices
from microneedling.services.access import Actor
from microneedling.services.clinical_records import record
from microneedling.services.common import Records
from microneedling.services.course import ClientCourse, CoursePlan, client_course
from microneedling.services.errors import Conflict, DeparturesFound
from microneedling.services.lot_use import lot_ids_for_numbers
from microneedling.services.pre_session import QUESTIONS, IntakeNeeded
from microneedling.services.products import LotOut, list_lots
from microneedling.services.treatment_sessions import (
    SESSION,
    check_session,
)
from microneedling.web.pages.common import (
    FormDep,
    FormErrors,
    PageActorDep,
    RecordsDep,
    form_errors,
    in_plain_words,
    redirect,
    render,
    text,
)

router = APIRouter()
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
    "departure_reason",
)
ZONE_FIELDS = {"depth_above_plan": "needle_mm", "zone_not_in_plan": "zone"}
SESSION_FIELDS = {
    "interval_too_short": "performed_on",
    "needles_not_single_use": "single_use",
    "topical_not_for_channels": "topicals",
}


LOT_SEPARATORS = re.compile(r"[,;\n]+")


def planned_course(records: Records, actor: Actor, client_id: int) -> ClientCourse:
    """The client's course, which must have a plan for a session to follow."""
    course = client_course(records, actor, client_id)
    if course.plan is None:
        raise Conflict("make a plan before logging a session")
    return course


def prefill(plan: CoursePlan, due: ScheduledSession | None, today: dt.date) -> dict[str, Any]:
    """The form's values for the session due: its zones and depths, the plan's passes."""
    values: dict[str, Any] = {
        "performed_on": today.isoformat(),
        "device": plan.request.get("device", {}).get("type", ""),
    }
    passes = {t.zone: t.passes for t in plan.plan.treatments if t.status == "planned"}
    zones = due.zones if due else list(passes)
    depths = due.depth_mm if due else {}
    for row, zone in enumerate(zones):
        values[f"z{row}.zone"] = zone
        depth = depths.get(zone)
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
    data["confirm_departures"] = form.get("confirm_departures") == "true"
    data["topicals"] = [t for t in form.getlist("topicals") if t]
    data["pre_session_changes"] = [c for c in form.getlist("pre_session_changes") if c]
    fields["pre_session_changes"] = "pre_session_changes"
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
    fields.update(lot_ids="lot_numbers", lot_numbers="lot_numbers")
    event = text(form, "ae.event")
    if event is not None:
        adverse: dict[str, Any] = {"event": event, "severity": text(form, "ae.severity")}
        if text(form, "ae.onset_days") is not None:
            adverse["onset_days"] = text(form, "ae.onset_days")
        data["adverse_events"] = [adverse]
        for name in ("event", "severity", "onset_days"):
            fields[f"adverse_events[0].{name}"] = f"ae.{name}"
    return data, fields


def with_lots(records: Records, actor: Actor, form: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The session's data with the lots the form names by number (a scan or typed entry, one
    per unit, separated by commas) as the catalogue's lot ids."""
    numbers = [n.strip() for n in LOT_SEPARATORS.split(text(form, "lot_numbers") or "")]
    try:
        usable_on: dt.date | None = dt.date.fromisoformat(data.get("performed_on") or "")
    except ValueError:
        usable_on = None
    ids = lot_ids_for_numbers(records, actor, [n for n in numbers if n], usable_on)
    return {**data, "lot_ids": ids}


def usable_lots(records: Records, actor: Actor) -> list[LotOut]:
    """The lots a session today can use, offered as the lot field's choices."""
    return list_lots(records, actor, {"usable_on": records.clock.today()})


def departure_fields(departures: list[Departure], form: Any) -> list[tuple[Departure, str | None]]:
    """Each departure with the field it concerns: a zone's row, the date, the single-use
    confirmation, the topicals; None for the rest (plan not cleared, a finding on every zone)."""
    rows = {text(form, f"z{row}.zone"): row for row in range(rows_in(form))}
    placed: list[tuple[Departure, str | None]] = []
    for departure in departures:
        name = SESSION_FIELDS.get(departure.code)
        if departure.zone is not None and departure.zone in rows:
            name = f"z{rows[departure.zone]}.{ZONE_FIELDS.get(departure.code, 'zone')}"
        placed.append((departure, name))
    return placed


def departure_marks(placed: list[tuple[Departure, str | None]]) -> FormErrors:
    """The departures as marks beside their fields (`aria-invalid` and the message)."""
    marks = FormErrors()
    for departure, name in placed:
        marks.add(name, departure.message)
    return marks


class Values(dict[str, Any]):
    """Prefilled values read like a posted form."""

    def getlist(self, name: str) -> list[Any]:
        value = self.get(name)
        return value if isinstance(value, list) else [] if value is None else [value]


def _context(
    course: ClientCourse,
    form: Any,
    errors: FormErrors | None,
    departures: list[Departure],
    checked: bool,
    lots: list[LotOut],
    intake_needed: str | None = None,
) -> dict[str, Any]:
    kb = load_knowledge()
    placed = departure_fields(departures, form)
    return {
        "client": course.client,
        "course": course,
        "alerts": course.alerts,
        "due": course.next_due,
        "form": form,
        "errors": errors,
        "departures": placed,
        "marks": errors or departure_marks(placed),
        "checked": checked,
        "unsafe_topicals": {c for c, t in kb.topicals.items() if not t.safe_on_channels},
        "rows": range(max(rows_in(form), 0) + 1),
        "zones": zone_choices(kb),
        "devices": [(code, device.name) for code, device in kb.devices.items()],
        "topicals": [(code, t.name) for code, t in kb.topicals.items()],
        "severities": [(s, s) for s in get_args(Severity)],
        "pre_session_questions": list(QUESTIONS.items()),
        "intake_needed": intake_needed,
        "lots": lots,
    }


@router.get("/clients/{client_id}/session")
def session_form(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int
) -> Response:
    course = planned_course(records, actor, client_id)
    assert course.plan is not None
    form = Values(prefill(course.plan, course.next_due, records.clock.today()))
    lots = usable_lots(records, actor)
    return render(request, "session_form.html", _context(course, form, None, [], False, lots))


@router.post("/clients/{client_id}/session/check")
def session_check(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int, form: FormDep
) -> Response:
    course = planned_course(records, actor, client_id)
    assert course.plan is not None
    data, fields = session_input(form, course.plan.id)
    lots = usable_lots(records, actor)
    try:
        data = with_lots(records, actor, form, data)
        departures = check_session(records, actor, client_id, data).departures
    except InputError as error:
        errors = in_plain_words(form_errors(error, fields))
        context = _context(course, form, errors, [], True, lots)
    else:
        context = _context(course, form, None, departures, True, lots)
    return render(request, "session_form.html", context, fragment="_session_warnings.html")


@router.post("/clients/{client_id}/sessions")
def save_session(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int, form: FormDep
) -> Response:
    course = planned_course(records, actor, client_id)
    assert course.plan is not None
    data, fields = session_input(form, course.plan.id)
    lots = usable_lots(records, actor)
    try:
        saved = record(records, actor, SESSION, client_id, with_lots(records, actor, form, data))
    except InputError as error:
        errors = in_plain_words(form_errors(error, fields))
        context = _context(course, form, errors, [], True, lots)
        return render(request, "session_form.html", context, status_code=422)
    except DeparturesFound as found:
        context = _context(course, form, None, found.departures, True, lots)
        return render(request, "session_form.html", context, status_code=409)
    except IntakeNeeded as needed:
        context = _context(course, form, None, [], True, lots, intake_needed=str(needed))
        return render(request, "session_form.html", context, status_code=409)
    return redirect(request, f"/records/session/{saved.id}")
