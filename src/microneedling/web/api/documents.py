"""The documents handed to a client, as PDFs: the signed consent, the aftercare handout, the
plan summary and the course report (web/documents.py makes them from the pages' templates);
and any of them e-mailed to the client."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import Response

from microneedling.services import document_mail
from microneedling.services.document_mail import DocumentEmailIn, DocumentQueued
from microneedling.web import documents
from microneedling.web.deps import ActorDep, RecordsDep
from microneedling.web.documents import Builder

router = APIRouter(tags=["documents"])
PDF = {200: {"description": "The document as a PDF", "content": {"application/pdf": {}}}}


def _add(path: str, build: Builder, summary: str) -> None:
    def pdf(records: RecordsDep, actor: ActorDep, record_id: int) -> Response:
        return documents.pdf_response(build(records, actor, record_id))

    router.add_api_route(
        path,
        pdf,
        methods=["GET"],
        response_class=Response,
        responses=PDF,  # type: ignore[arg-type]
        summary=summary,
        name=f"{build.__name__}_pdf",
    )


_add("/consents/{record_id}/pdf", documents.consent, "The signed consent as a PDF")
_add("/plans/{record_id}/handout/pdf", documents.handout, "The aftercare handout as a PDF")
_add("/plans/{record_id}/summary/pdf", documents.plan_summary, "The plan summary as a PDF")
_add(
    "/clients/{record_id}/course-report/pdf", documents.course_report, "The course report as a PDF"
)


@router.post("/clients/{client_id}/documents/email", status_code=202)
def email_document(
    records: RecordsDep,
    actor: ActorDep,
    client_id: int,
    body: Annotated[DocumentEmailIn, Body(examples=[{"document": "handout", "record_id": 3}])],
) -> DocumentQueued:
    """E-mail a document to the client as a PDF, through the job queue: 202 once queued; 409
    when the client has not agreed to e-mail or has no address."""
    return document_mail.queue_document(records, actor, client_id, body)
