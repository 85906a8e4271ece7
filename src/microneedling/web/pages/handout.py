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
from microneedling.services.bookings import AppointmentOut
from microneedling.services.calendar_feeds import clinic_place
from microneedling.services.common import Records
from microneedling.services.course import ClientCourse, client_course
from microneedling.services.plans import PlanOut
from microneedling.web import ics
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


def schedule_events(
    plan_id: int, schedule: list[dict[str, Any]], booked: list[AppointmentOut], place: str
) -> list[ics.Event]:
    """One event per dated session: at its booked time and place, else all day on its day."""
    bookings = {b.plan_session: b for b in booked if b.plan_id == plan_id and b.status == "booked"}
    events = []
    for session in schedule:
        booking = bookings.get(session["session"])
        if not session.get("date") and booking is None:
            continue
        kind = "test spot" if session["kind"] == "test_spot" else "session"
        title = f"Microneedling {kind} {session['session']}"
        description = "Zones: " + ", ".join(session["zones"])
        uid = f"plan-{plan_id}-session-{session['session']}"
        if booking is None:
            day = dt.date.fromisoformat(session["date"])
            events.append(ics.Event(uid, title, description, day=day))
        else:
            events.append(
                ics.Event(
                    uid,
                    title,
                    description,
                    starts_at=booking.starts_at,
                    ends_at=booking.ends_at,
                    place=place,
                )
            )
    return events


@router.get("/plans/{plan_id}/schedule.ics")
def schedule_ics(records: RecordsDep, actor: ActorDep, plan_id: int) -> Response:
    saved = read_plan(records, actor, plan_id)
    course, sessions = to_come(records, actor, saved)
    events = schedule_events(plan_id, sessions, course.bookings, clinic_place(records, actor))
    body = ics.calendar(events, records.clock.now(), "treatment schedule")
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}.ics"'},
    )
