"""The aftercare handout (printable, plain language, with the next sessions' dates; also as a
PDF) and the schedule as an `.ics` calendar file, both dated from the sessions actually done,
at the times booked. A plan that is deferred or refused gets "not now" (or "not recommended")
and why, in place of sessions and aftercare."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.clinical.models import ScheduledSession
from microneedling.services.bookings import AppointmentOut
from microneedling.services.calendar_feeds import clinic_place
from microneedling.services.course import client_course
from microneedling.services.plans import read_plan
from microneedling.web import documents, ics
from microneedling.web.pages.common import PageActorDep, RecordsDep, render

router = APIRouter()


@router.get("/plans/{plan_id}/handout")
def handout(request: Request, records: RecordsDep, actor: PageActorDep, plan_id: int) -> Response:
    document = documents.handout(records, actor, plan_id)
    email = {"document": "handout", "record_id": plan_id}
    return render(request, "handout.html", {**document.context, "email": email})


def schedule_events(
    plan_id: int, schedule: list[ScheduledSession], booked: list[AppointmentOut], place: str
) -> list[ics.Event]:
    """One event per dated session: at its booked time and place, else all day on its day."""
    bookings = {b.plan_session: b for b in booked if b.plan_id == plan_id and b.status == "booked"}
    events = []
    for session in schedule:
        booking = bookings.get(session.session)
        if session.date is None and booking is None:
            continue
        kind = "test spot" if session.kind == "test_spot" else "session"
        title = f"Microneedling {kind} {session.session}"
        description = "Zones: " + ", ".join(session.zones)
        uid = f"plan-{plan_id}-session-{session.session}"
        if booking is None:
            events.append(ics.Event(uid, title, description, day=session.date))
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
def schedule_ics(records: RecordsDep, actor: PageActorDep, plan_id: int) -> Response:
    saved = read_plan(records, actor, plan_id)
    course = client_course(records, actor, saved.client_id)
    sessions = documents.sessions_to_come(records, saved, course)
    events = schedule_events(plan_id, sessions, course.bookings, clinic_place(records, actor))
    body = ics.calendar(events, records.clock.now(), "treatment schedule")
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}.ics"'},
    )
