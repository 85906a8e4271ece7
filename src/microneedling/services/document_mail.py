"""Documents e-mailed to the client on request: the signed consent, the aftercare handout, the
plan summary or the course report, each as its PDF attached. They go through the job queue
as the reminders do: only with the client's consent to e-mail (checked when asked and again
when sent), recorded and audited as sent, and never twice for one request.

The PDFs are made by the web layer's templates (web/documents.py); whoever runs the jobs
passes that renderer in, so the services never import the web stack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal

from pydantic import Field
from sqlalchemy.orm import Session

from microneedling.errors import InputError
from microneedling.records.models import Consent, PlanRecord
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import live_client
from microneedling.services.common import Input, Output, Records, RowId, owned, parse
from microneedling.services.errors import Conflict, NotFound
from microneedling.services.jobs import Handlers, JobRun, enqueue
from microneedling.services.notify import Attachment, Notifier
from microneedling.services.reminders import (
    DOCUMENT,
    Draft,
    NotSent,
    contactable,
    reminder_handler,
)

DocumentKind = Literal["consent", "handout", "summary", "report"]
TITLES: dict[str, str] = {
    "consent": "your signed consent",
    "handout": "your aftercare handout",
    "summary": "your treatment plan",
    "report": "your course report",
}
# (records, actor, document, record id) → (file name, PDF bytes)
DocumentRenderer = Callable[[Records, Actor, str, int], tuple[str, bytes]]


class DocumentEmailIn(Input):
    document: DocumentKind
    record_id: RowId | None = Field(
        default=None, description="The consent's or the plan's id; the course report needs none"
    )


class DocumentQueued(Output):
    document: str
    record_id: int
    key: str
    run_at: dt.datetime


def queue_document(records: Records, actor: Actor, client_id: int, data: object) -> DocumentQueued:
    """Queue the document for the client's e-mail; refused (409) without consent or address."""
    require(actor, Permission.WRITE_CLIENTS)
    request = parse(DocumentEmailIn, data)
    with records.transaction() as db:
        live_client(db, actor, client_id)
        record_id = _record_of(db, actor, client_id, request)
        try:
            contactable(db, client_id)
        except NotSent as reason:
            why = str(reason).removeprefix("not sent: ")
            raise Conflict(f"cannot e-mail the client: {why}") from None
        now = records.clock.now()
        key = f"document:{request.document}:{record_id}:{now.isoformat()}"
        payload = {
            "document": request.document,
            "record_id": record_id,
            "clinic_id": actor.clinic_id,
            "role": actor.role,
            "user_id": actor.user_id,
        }
        enqueue(db, kind=DOCUMENT, key=key, run_at=now, payload=payload, client_id=client_id)
    return DocumentQueued(document=request.document, record_id=record_id, key=key, run_at=now)


def _record_of(db: Session, actor: Actor, client_id: int, request: DocumentEmailIn) -> int:
    """The record the document is made from: the client's own consent or plan."""
    if request.document == "report":
        return client_id
    if request.record_id is None:
        raise InputError.one("record_id", f"the {request.document} needs the record's id")
    row: Consent | PlanRecord
    if request.document == "consent":
        row = owned(db, actor, Consent, request.record_id, "consent")
    else:
        row = owned(db, actor, PlanRecord, request.record_id, "plan")
    if row.client_id != client_id:
        raise NotFound(request.document, request.record_id)
    return row.id


def document_handlers(notifier: Notifier | None, render: DocumentRenderer) -> Handlers:
    """The job handler that sends queued documents, made as whoever asked for them."""

    def build(_db: Session, run: JobRun) -> Draft:
        payload = run.job.payload
        asked_by = Actor(payload["clinic_id"], payload["role"], payload["user_id"])
        document, record_id = payload["document"], int(payload["record_id"])

        def attach() -> tuple[Attachment, ...]:
            filename, pdf = render(run.records, asked_by, document, record_id)
            return (Attachment(filename, "application/pdf", pdf),)

        return Draft("document", "document", {"title": TITLES[document]}, attach)

    return {DOCUMENT: reminder_handler(notifier, build)}
