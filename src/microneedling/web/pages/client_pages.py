"""Clients: the searchable list, a new client, and the client's page (timeline, badges and
reminders)."""

from __future__ import annotations

from typing import Any, get_args

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.errors import InputError
from microneedling.services import clients
from microneedling.services.access import Permission
from microneedling.services.errors import Conflict
from microneedling.services.photo_measures import MEASURES, course_measures
from microneedling.services.timeline import course_and_timeline
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
from microneedling.web.pages.course import open_badges
from microneedling.web.pages.diary_pages import clock_context

router = APIRouter()
CLIENT_FIELDS = (
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "email",
    "phone",
    "phototype",
    "notes",
)
CONSENT = "contact_by_email"


def _consent(form: Any) -> bool:
    """The e-mail consent checkbox: ticked or not (an unticked box is not sent at all)."""
    return bool(form.get(CONSENT) == "true")


@router.get("/clients")
def client_list(
    request: Request,
    records: RecordsDep,
    actor: PageActorDep,
    q: str = "",
    registered_from: str = "",
    registered_to: str = "",
) -> Response:
    form = {"q": q, "registered_from": registered_from, "registered_to": registered_to}
    query = {name: value for name, value in form.items() if value}
    errors = None
    try:
        page = clients.search_clients(records, actor, {**query, "limit": 100})
    except InputError as error:
        errors = form_errors(error, known=form)
        page = clients.search_clients(records, actor, {"limit": 100})
    context = {
        "q": q,
        "form": form,
        "errors": errors,
        "page": page,
        "can_write": actor.can(Permission.WRITE_CLIENTS),
    }
    return render(request, "clients.html", context, fragment="_client_rows.html")


def _new_context(form: Any, errors: Any) -> dict[str, Any]:
    return {
        "form": form,
        "errors": errors,
        "sexes": [(s, s) for s in get_args(clients.Sex)],
        "phototypes": [(n, f"Type {n}") for n in range(1, 7)],
    }


@router.get("/clients/new")
def new_client(request: Request, actor: PageActorDep) -> Response:
    return render(request, "client_new.html", _new_context({}, None))


@router.post("/clients")
def register(request: Request, records: RecordsDep, actor: PageActorDep, form: FormDep) -> Response:
    data: dict[str, Any] = {
        name: text(form, name) for name in CLIENT_FIELDS if text(form, name) is not None
    }
    data[CONSENT] = _consent(form)
    try:
        client = clients.register_client(records, actor, data)
    except InputError as error:
        errors = form_errors(error, known=CLIENT_FIELDS)
        return render(request, "client_new.html", _new_context(form, errors), status_code=422)
    return redirect(request, f"/clients/{client.id}")


@router.get("/clients/{client_id}/edit")
def edit_client(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int
) -> Response:
    client = clients.get_client(records, actor, client_id)
    values = {
        name: "" if getattr(client, name) is None else str(getattr(client, name))
        for name in CLIENT_FIELDS
    }
    values[CONSENT] = "true" if client.contact_by_email else ""
    context = {**_new_context({**values, "version": str(client.version)}, None), "client": client}
    return render(request, "client_new.html", context)


@router.post("/clients/{client_id}")
def change(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int, form: FormDep
) -> Response:
    """Save the changed fields against the version that was read (someone else's change in
    between is a conflict, never overwritten)."""
    client = clients.get_client(records, actor, client_id)
    data: dict[str, Any] = {"version": text(form, "version")}
    for name in CLIENT_FIELDS:
        value = text(form, name)
        before = getattr(client, name)
        if (value or None) != (None if before is None else str(before)):
            data[name] = value
    if _consent(form) != client.contact_by_email:
        data[CONSENT] = _consent(form)
    try:
        clients.update_client(records, actor, client_id, data)
    except InputError as error:
        errors = form_errors(error, known=CLIENT_FIELDS)
    except Conflict as error:
        errors = FormErrors(general=[str(error)])
    else:
        return redirect(request, f"/clients/{client_id}")
    context = {**_new_context(form, errors), "client": client}
    return render(request, "client_new.html", context, status_code=422)


@router.get("/clients/{client_id}")
def client_page(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int
) -> Response:
    """The course and its timeline from one read, whatever the number of records; then the
    reminders and the photos' measured change."""
    course, entries = course_and_timeline(records, actor, client_id)
    context = {
        "reminders": course.reminders,
        "photo_change": course_measures(records, actor, course.photos),
        "measure_names": {code: name for code, (name, _unit) in MEASURES.items()},
        "client": course.client,
        "course": course,
        "alerts": course.alerts,
        "entries": list(reversed(entries)),
        "badges": open_badges(course.open_findings),
        "intake": course.intake,
        "plan_id": course.plan.id if course.plan else None,
        "can": {p.name: actor.can(p) for p in Permission},
        "bookings": course.bookings,
        **clock_context(records),
    }
    return render(request, "client.html", context)
