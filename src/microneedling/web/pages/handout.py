"""The aftercare handout (printable, plain language, with the next sessions' dates; also as a
PDF) and the schedule as an `.ics` calendar file, both dated from the sessions actually done.
A plan that is deferred or refused gets "not now" (or "not recommended") and why, in place of
sessions and aftercare."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.services.course import client_course
from microneedling.services.plans import read_plan
from microneedling.web import documents
from microneedling.web.pages.common import ActorDep, RecordsDep, render

router = APIRouter()


@router.get("/plans/{plan_id}/handout")
def handout(request: Request, records: RecordsDep, actor: ActorDep, plan_id: int) -> Response:
    document = documents.handout(records, actor, plan_id)
    return render(request, "handout.html", document.context)


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
    course = client_course(records, actor, saved.client_id)
    sessions = documents.sessions_to_come(records, saved, course)
    body = calendar(plan_id, sessions, records.clock.now())
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}.ics"'},
    )
