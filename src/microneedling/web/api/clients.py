"""Clients: search by name and registration date, register, change (with the version read),
erase, the course as it stands and the timeline of the course."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from microneedling.services import clients, course, reminders, timeline
from microneedling.services.clients import ClientOut
from microneedling.services.common import Page
from microneedling.services.course import ClientCourse
from microneedling.services.reminders import ReminderStatus
from microneedling.services.timeline import TimelineEntry
from microneedling.web.deps import ActorDep, RecordsDep

router = APIRouter(prefix="/clients", tags=["clients"])


@router.get("")
def search(
    records: RecordsDep,
    actor: ActorDep,
    q: Annotated[str, Query(description="Start of a given or family name")] = "",
    registered_from: dt.date | None = None,
    registered_to: dt.date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[ClientOut]:
    query = {
        "q": q,
        "registered_from": registered_from,
        "registered_to": registered_to,
        "limit": limit,
        "offset": offset,
    }
    return clients.search_clients(records, actor, query)


@router.post("", status_code=201)
def register(
    records: RecordsDep, actor: ActorDep, body: Annotated[clients.ClientIn, Body()]
) -> ClientOut:
    return clients.register_client(records, actor, body)


@router.get("/{client_id}")
def read(records: RecordsDep, actor: ActorDep, client_id: int) -> ClientOut:
    return clients.get_client(records, actor, client_id)


@router.patch("/{client_id}")
def change(
    records: RecordsDep,
    actor: ActorDep,
    client_id: int,
    body: Annotated[
        clients.ClientChange,
        Body(
            examples=[
                {"version": 1, "phone": "+44 20 7946 0000"},
                {"version": 1, "email": "ann@example.com", "contact_by_email": True},
            ]
        ),
    ],
) -> ClientOut:
    """Change some fields; `version` must be the version you read (else 409).
    `contact_by_email: true` records the client's consent to reminders by e-mail."""
    return clients.update_client(records, actor, client_id, body)


@router.delete("/{client_id}", status_code=204)
def erase(records: RecordsDep, actor: ActorDep, client_id: int) -> Response:
    """Right to erasure (owners): personal data, clinical records and photos are removed."""
    clients.erase_client(records, actor, client_id)
    return Response(status_code=204)


@router.get("/{client_id}/course")
def client_course(records: RecordsDep, actor: ActorDep, client_id: int) -> ClientCourse:
    """The course as it stands: client and alerts, current intake and open findings, the
    current plan, sessions done and to come (dated from what was done), scores, photos and
    consents; one read."""
    return course.client_course(records, actor, client_id)


@router.get("/{client_id}/timeline")
def client_timeline(records: RecordsDep, actor: ActorDep, client_id: int) -> list[TimelineEntry]:
    return timeline.timeline(records, actor, client_id)


@router.get("/{client_id}/messages")
def client_messages(records: RecordsDep, actor: ActorDep, client_id: int) -> ReminderStatus:
    """Reminder status: the consent to e-mail, the messages sent, and every reminder queued
    for the client with its state (queued, running, done, failed, cancelled)."""
    return reminders.reminder_status(records, actor, client_id)
