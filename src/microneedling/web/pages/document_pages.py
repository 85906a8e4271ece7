"""The documents handed to a client, each a page with a PDF beside it (web/documents.py makes
both from one template): the signed consent, the plan summary, the course report; and the
aftercare handout's PDF (its page is the handout's own)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.errors import InputError
from microneedling.services import document_mail
from microneedling.services.errors import Conflict
from microneedling.web import documents
from microneedling.web.pages.common import FormDep, PageActorDep, RecordsDep, redirect, render, text

router = APIRouter()


def _add(path: str, kind: str, with_page: bool = True) -> None:
    """A document's page at `path` (when it has one here) and its PDF at `path.pdf`."""
    build = documents.BUILDERS[kind]

    def page(
        request: Request, records: RecordsDep, actor: PageActorDep, record_id: int
    ) -> Response:
        document = build(records, actor, record_id)
        context = {
            **document.context,
            "document": document,
            "pdf_url": f"{request.url.path}.pdf",
            "email": {"document": kind, "record_id": record_id},
        }
        context.setdefault("client", getattr(document.context.get("doc"), "client", None))
        return render(request, "document.html", context)

    def pdf(records: RecordsDep, actor: PageActorDep, record_id: int) -> Response:
        return documents.pdf_response(build(records, actor, record_id))

    # The PDF first: `/consents/3.pdf` would otherwise reach the page's route as an id.
    router.add_api_route(f"{path}.pdf", pdf, methods=["GET"], name=f"{build.__name__}_pdf")
    if with_page:
        router.add_api_route(path, page, methods=["GET"], name=f"{build.__name__}_page")


_add("/consents/{record_id}", "consent")
_add("/plans/{record_id}/summary", "summary")
_add("/clients/{record_id}/report", "report")
_add("/plans/{record_id}/handout", "handout", with_page=False)


@router.post("/clients/{client_id}/documents/email")
def email_document(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int, form: FormDep
) -> Response:
    """Queue the document for the client's e-mail and go back to it, saying what happened."""
    back = str(form.get("back") or f"/clients/{client_id}")
    if not back.startswith("/") or back.startswith("//"):
        back = f"/clients/{client_id}"
    data = {"document": text(form, "document"), "record_id": text(form, "record_id")}
    try:
        document_mail.queue_document(records, actor, client_id, data)
    except (Conflict, InputError) as refused:
        return redirect(request, f"{back}?{urlencode({'not_emailed': str(refused)})}")
    return redirect(request, f"{back}?emailed=1")
