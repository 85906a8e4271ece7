"""The aftercare handout (printable, plain language, with the next sessions' dates) and the
schedule as an `.ics` calendar file, both dated from the sessions actually done. A plan that
is deferred or refused gets "not now" (or "not recommended") and why, in place of sessions and
aftercare."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.clinical.aftercare import patient_pre_care
from microneedling.knowledge import load_knowledge
from microneedling.services.access import Actor
from microneedling.services.common import Records
from microneedling.services.course import ClientCourse, client_course
from microneedling.services.plans import PlanOut
from microneedling.web.pages.common import ActorDep, RecordsDep, render
from microneedling.web.pages.course import read_plan

router = APIRouter()
WARNING_SIGNS = "warning_signs"
HOLDING_ACTIONS = ("defer", "refuse")


def day_span(from_day: int, to_day: int) -> str:
    if from_day == 0 and to_day <= 1:
        return "On the day and the day after"
    if from_day == to_day:
        return f"Day {from_day}"
    return f"Days {from_day} to {to_day}"


def upcoming(schedule: list[dict[str, Any]], today: dt.date) -> list[dict[str, Any]]:
    """The sessions still to come; all of them when the schedule has no dates."""
    dated = [s for s in schedule if s.get("date")]
    if not dated:
        return schedule
    return [s for s in dated if dt.date.fromisoformat(s["date"]) >= today]


def to_come(
    records: Records, actor: Actor, saved: PlanOut
) -> tuple[ClientCourse, list[dict[str, Any]]]:
    """The course and the plan's sessions still to come: for the current plan, dated from the
    sessions actually done; for an older plan, its own dates from today on."""
    course = client_course(records, actor, saved.client_id)
    if course.plan is not None and course.plan.id == saved.id:
        return course, [entry.model_dump(mode="json") for entry in course.upcoming]
    return course, upcoming(saved.plan.get("schedule", []), records.clock.today())


@router.get("/plans/{plan_id}/handout")
def handout(request: Request, records: RecordsDep, actor: ActorDep, plan_id: int) -> Response:
    saved = read_plan(records, actor, plan_id)
    course, sessions = to_come(records, actor, saved)
    plan = saved.plan
    kb = load_knowledge()
    signs = next(row.do for row in kb.aftercare if row.code == WARNING_SIGNS)
    context = {
        "saved": saved,
        "client": course.client,
        "clinic": course.clinic,
        "plan": plan,
        "sessions": sessions,
        "pre_care": patient_pre_care((item["code"] for item in plan.get("pre_care", [])), kb),
        "aftercare": [
            {**item, "when": day_span(item["from_day"], item["to_day"])}
            for item in plan.get("aftercare", [])
            if item["do"] != signs
        ],
        "warning_signs": [
            text.removeprefix("contact the clinic for: ")
            for item in plan.get("aftercare", [])
            if item["do"] == signs
            for text in item["do"]
        ],
        "zone_names": {code: zone.name for code, zone in kb.zones.items()},
        "holding": [f for f in plan.get("findings", []) if f["action"] in HOLDING_ACTIONS],
    }
    return render(request, "handout.html", context)


def ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def calendar(plan_id: int, schedule: list[dict[str, Any]], stamp: dt.datetime) -> str:
    """An iCalendar file (RFC 5545) with one all-day event per dated session."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//microneedling//treatment schedule//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for session in schedule:
        if not session.get("date"):
            continue
        day = dt.date.fromisoformat(session["date"])
        kind = "test spot" if session["kind"] == "test_spot" else "session"
        zones = ", ".join(session["zones"])
        title = f"Microneedling {kind} {session['session']}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:plan-{plan_id}-session-{session['session']}@microneedling",
            f"DTSTAMP:{stamp.strftime('%Y%m%dT%H%M%SZ')}",
            f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(day + dt.timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{ics_text(title)}",
            f"DESCRIPTION:{ics_text('Zones: ' + zones)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


@router.get("/plans/{plan_id}/schedule.ics")
def schedule_ics(records: RecordsDep, actor: ActorDep, plan_id: int) -> Response:
    saved = read_plan(records, actor, plan_id)
    _course, sessions = to_come(records, actor, saved)
    body = calendar(plan_id, sessions, records.clock.now())
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}.ics"'},
    )
