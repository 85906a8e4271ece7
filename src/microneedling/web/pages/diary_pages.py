"""The diary's pages: today (the front desk's day), the day and week views per practitioner
or room (every move and cancel is a plain form; `diary.js` adds drag to move), booking from a
client or a plan, the rooms, and the practitioners' secret calendar feeds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.errors import InputError
from microneedling.services import appointments, calendar_feeds, clients, rooms, today
from microneedling.services.access import Permission
from microneedling.services.bookings import KINDS
from microneedling.services.common import Records
from microneedling.services.course import ClientCourse
from microneedling.services.errors import Conflict, NotFound
from microneedling.web import ics
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
KIND_NAMES = {kind: kind.replace("_", " ") for kind in KINDS}
BOOKING_FIELDS = ("practitioner_id", "room", "date", "time", "duration_minutes", "kind")
DEFAULT_DURATION_MINUTES = "60"


def clock_context(records: Records) -> dict[str, Any]:
    zone = records.clock.time_zone
    return {
        "local": lambda value: value.astimezone(zone),
        "time_zone": str(zone),
        "kind_names": KIND_NAMES,
    }


def _starts_at(records: Records, form: Mapping[str, Any]) -> str | None:
    """The form's local date and time as an ISO instant in the clinic's zone."""
    day, time = text(form, "date"), text(form, "time")
    if day is None or time is None:
        return None
    try:
        local = dt.datetime.combine(
            dt.date.fromisoformat(day), dt.time.fromisoformat(time), records.clock.time_zone
        )
    except ValueError:
        raise InputError.one("date", "give a date (YYYY-MM-DD) and a time (HH:MM)") from None
    return local.isoformat()


# --- today --------------------------------------------------------------------------------


@router.get("/today")
def today_page(
    request: Request, records: RecordsDep, actor: PageActorDep, section: str = "", offset: str = ""
) -> Response:
    """The day, one page of each list; a list's "more" link pages through that list alone."""
    query = {"section": section or None, "offset": offset or 0}
    try:
        summary = today.today_summary(records, actor, query)
        errors = None
    except InputError as error:
        errors = form_errors(error, known=("section", "offset"))
        summary = today.today_summary(records, actor)
    context = {"summary": summary, "errors": errors, **clock_context(records)}
    return render(request, "today.html", context)


# --- day and week views -------------------------------------------------------------------


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@router.get("/diary")
def diary(
    request: Request,
    records: RecordsDep,
    actor: PageActorDep,
    day: str = "",
    view: str = "day",
    practitioner_id: str = "",
    room: str = "",
) -> Response:
    errors = FormErrors()
    try:
        shown = appointments.check_day(dt.date.fromisoformat(day)) if day else None
    except (ValueError, InputError):
        errors.add("day", "give a date as YYYY-MM-DD, from 1900 to 2999")
        shown = None
    shown = shown or records.clock.today()
    view = "week" if view == "week" else "day"
    first = _week_start(shown) if view == "week" else shown
    days = 7 if view == "week" else 1
    who = int(practitioner_id) if practitioner_id.isdigit() and len(practitioner_id) < 10 else None
    try:
        booked = appointments.list_appointments(
            records, actor, first, days=days, practitioner_id=who, room=room or None
        )
    except InputError as error:
        errors = form_errors(error, known=("room", "day"))
        booked = appointments.list_appointments(records, actor, first, days=days)
    zone = records.clock.time_zone
    hours = records.settings.opening_hours_by_weekday
    # Each booking's local day and hour worked out once (a week holds hundreds of them).
    by_slot: dict[tuple[dt.date, int], list[Any]] = {}
    for booking in booked:
        local = booking.starts_at.astimezone(zone)
        by_slot.setdefault((local.date(), local.hour), []).append(booking)
    columns = []
    for offset in range(days):
        date = first + dt.timedelta(days=offset)
        opening = hours.get(date.weekday())
        slot_hours = set(range(opening[0].hour, opening[1].hour)) if opening else set()
        slot_hours |= {hour for day, hour in by_slot if day == date}
        slots = [(hour, by_slot.get((date, hour), [])) for hour in sorted(slot_hours)]
        columns.append({"date": date, "open": opening is not None, "slots": slots})
    step = dt.timedelta(days=days)
    base = {"view": view, "practitioner_id": practitioner_id, "room": room}
    context = {
        "view": view,
        "shown": shown,
        "columns": columns,
        "form": {"day": shown.isoformat(), **base},
        "errors": errors or None,
        "practitioners": [(p.id, p.full_name) for p in rooms.list_practitioners(records, actor)],
        "rooms": [(r.name, r.name) for r in rooms.list_rooms(records, actor)],
        "previous": "/diary?" + urlencode({**base, "day": (first - step).isoformat()}),
        "next": "/diary?" + urlencode({**base, "day": (first + step).isoformat()}),
        "back": str(request.url.path) + ("?" + request.url.query if request.url.query else ""),
        "can_book": actor.can(Permission.BOOK),
        **clock_context(records),
    }
    return render(request, "diary.html", context)


def _back(form: Mapping[str, Any], fallback: str) -> str:
    """Where a form returns to: a local path it names, else the fallback."""
    target = text(form, "next") or ""
    return target if target.startswith("/") and not target.startswith("//") else fallback


@router.post("/appointments/{appointment_id}/move")
def move(
    request: Request, records: RecordsDep, actor: PageActorDep, appointment_id: int, form: FormDep
) -> Response:
    data = {
        "version": text(form, "version"),
        "starts_at": _starts_at(records, form),
        "duration_minutes": text(form, "duration_minutes"),
    }
    try:
        moved = appointments.reschedule(
            records, actor, appointment_id, {k: v for k, v in data.items() if v is not None}
        )
    except (InputError, Conflict) as error:
        return _refused(request, error)
    day = moved.starts_at.astimezone(records.clock.time_zone).date()
    return redirect(request, _back(form, f"/diary?day={day.isoformat()}"))


@router.post("/appointments/{appointment_id}/cancel")
def cancel(
    request: Request, records: RecordsDep, actor: PageActorDep, appointment_id: int, form: FormDep
) -> Response:
    data = {"version": text(form, "version"), "reason": text(form, "reason")}
    try:
        appointments.cancel(records, actor, appointment_id, data)
    except (InputError, Conflict) as error:
        return _refused(request, error)
    return redirect(request, _back(form, "/diary"))


def _refused(request: Request, error: InputError | Conflict) -> Response:
    """A move or cancel that cannot be done: say why, with the way back."""
    status = 422 if isinstance(error, InputError) else 409
    context = {"message": str(error), "status": status}
    return render(request, "error.html", context, status_code=status)


# --- booking ------------------------------------------------------------------------------


def _booking_context(
    records: Records, actor: Any, client: Any, form: Mapping[str, Any], errors: Any
) -> dict[str, Any]:
    return {
        "client": client,
        "form": form,
        "errors": errors,
        "practitioners": [(p.id, p.full_name) for p in rooms.list_practitioners(records, actor)],
        "rooms": [(r.name, r.name) for r in rooms.list_rooms(records, actor)],
        "kinds": list(KIND_NAMES.items()),
        **clock_context(records),
    }


@router.get("/clients/{client_id}/book")
def booking_form(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int
) -> Response:
    client = clients.get_client(records, actor, client_id)
    form = {
        "date": records.clock.today().isoformat(),
        "duration_minutes": DEFAULT_DURATION_MINUTES,
        "kind": "consultation",
    }
    return render(request, "booking.html", _booking_context(records, actor, client, form, None))


@router.post("/clients/{client_id}/book")
def book(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int, form: FormDep
) -> Response:
    client = clients.get_client(records, actor, client_id)
    try:
        data = {
            "client_id": client_id,
            "practitioner_id": text(form, "practitioner_id"),
            "room": text(form, "room"),
            "starts_at": _starts_at(records, form),
            "duration_minutes": text(form, "duration_minutes"),
            "kind": text(form, "kind"),
        }
        booked = appointments.book(records, actor, data)
    except InputError as error:
        errors = form_errors(error, {"starts_at": "date"}, known=BOOKING_FIELDS)
        context = _booking_context(records, actor, client, form, errors)
        return render(request, "booking.html", context, status_code=422)
    except Conflict as error:
        context = _booking_context(records, actor, client, form, FormErrors(general=[str(error)]))
        return render(request, "booking.html", context, status_code=409)
    day = booked.starts_at.astimezone(records.clock.time_zone).date()
    return redirect(request, f"/diary?day={day.isoformat()}")


def plan_bookings(records: Records, course: ClientCourse, plan_id: int) -> dict[str, Any]:
    """What the plan page shows of the plan's bookings (read with the course)."""
    booked = [a for a in course.bookings if a.plan_id == plan_id and a.status == "booked"]
    return {"bookings": booked, **clock_context(records)}


# --- rooms --------------------------------------------------------------------------------


def _rooms_page(
    request: Request, records: Records, actor: Any, errors: Any = None, form: Any = None
) -> Response:
    context = {
        "rooms": rooms.list_rooms(records, actor, include_retired=True),
        "errors": errors,
        "form": form or {},
        "can_manage": actor.can(Permission.MANAGE_ROOMS),
    }
    return render(request, "rooms.html", context, status_code=422 if errors else 200)


@router.get("/rooms")
def rooms_page(request: Request, records: RecordsDep, actor: PageActorDep) -> Response:
    return _rooms_page(request, records, actor)


@router.post("/rooms")
def add_room(request: Request, records: RecordsDep, actor: PageActorDep, form: FormDep) -> Response:
    try:
        rooms.create_room(records, actor, {"name": text(form, "name")})
    except InputError as error:
        return _rooms_page(request, records, actor, form_errors(error, known=("name",)), form)
    return redirect(request, "/rooms")


@router.post("/rooms/{room_id}")
def change_room(
    request: Request, records: RecordsDep, actor: PageActorDep, room_id: int, form: FormDep
) -> Response:
    data = {
        "version": text(form, "version"),
        "name": text(form, "name"),
        "active": form.get("active") == "true",
    }
    try:
        rooms.update_room(records, actor, room_id, data)
    except InputError as error:
        return _rooms_page(request, records, actor, form_errors(error, known=("name",)), form)
    except Conflict as error:
        return _rooms_page(request, records, actor, FormErrors(general=[str(error)]), form)
    return redirect(request, "/rooms")


# --- calendar feeds -----------------------------------------------------------------------


def _feeds_page(
    request: Request, records: Records, actor: Any, new: tuple[int, str] | None = None
) -> Response:
    mine = list(rooms.list_practitioners(records, actor))
    if not actor.can(Permission.MANAGE_USERS):
        mine = [p for p in mine if p.id == actor.user_id]
    context = {
        "practitioners": [(p, calendar_feeds.has_feed(records, actor, p.id)) for p in mine],
        "new": new,
        "base": str(request.base_url).rstrip("/"),
    }
    return render(request, "calendar_feeds.html", context)


@router.get("/calendar-feeds")
def feeds_page(request: Request, records: RecordsDep, actor: PageActorDep) -> Response:
    return _feeds_page(request, records, actor)


@router.post("/calendar-feeds/{user_id}")
def renew_feed(
    request: Request, records: RecordsDep, actor: PageActorDep, user_id: int, form: FormDep
) -> Response:
    made = calendar_feeds.renew_feed(records, actor, user_id)
    return _feeds_page(request, records, actor, new=(user_id, made.token))


@router.post("/calendar-feeds/{user_id}/revoke")
def revoke_feed(
    request: Request, records: RecordsDep, actor: PageActorDep, user_id: int, form: FormDep
) -> Response:
    calendar_feeds.revoke_feed(records, actor, user_id)
    return redirect(request, "/calendar-feeds")


@router.get("/calendar/{token}.ics")
def feed(records: RecordsDep, token: str) -> Response:
    """The practitioner's bookings; the secret token in the URL is the only credential. Events
    name the client by number, not by name: the feed lands in calendars outside the clinic."""
    try:
        found = calendar_feeds.read_feed(records, token)
    except NotFound:
        return Response("no such calendar feed", status_code=404, media_type="text/plain")
    events = [
        ics.Event(
            uid=f"appointment-{a.id}",
            title=f"{KIND_NAMES[a.kind].capitalize()}: client {a.client_id} ({a.room})",
            description=f"With {a.practitioner_name}",
            starts_at=a.starts_at,
            ends_at=a.ends_at,
            place=found.place,
        )
        for a in found.appointments
    ]
    body = ics.calendar(events, records.clock.now(), f"{found.practitioner} diary")
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
