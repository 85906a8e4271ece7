"""The documents handed to a client, each a page with a PDF beside it (web/documents.py makes
both from one template): the signed consent, the plan summary, the course report; and the
aftercare handout's PDF (its page is the handout's own)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.web import documents
from microneedling.web.documents import Builder
from microneedling.web.pages.common import ActorDep, RecordsDep, render

router = APIRouter()


def _add(path: str, build: Builder, with_page: bool = True) -> None:
    """A document's page at `path` (when it has one here) and its PDF at `path.pdf`."""

    def page(request: Request, records: RecordsDep, actor: ActorDep, record_id: int) -> Response:
        document = build(records, actor, record_id)
        context = {
            **document.context,
            "document": document,
            "pdf_url": f"{request.url.path}.pdf",
        }
        context.setdefault("client", getattr(document.context.get("doc"), "client", None))
        return render(request, "document.html", context)

    def pdf(records: RecordsDep, actor: ActorDep, record_id: int) -> Response:
        return documents.pdf_response(build(records, actor, record_id))

    # The PDF first: `/consents/3.pdf` would otherwise reach the page's route as an id.
    router.add_api_route(f"{path}.pdf", pdf, methods=["GET"], name=f"{build.__name__}_pdf")
    if with_page:
        router.add_api_route(path, page, methods=["GET"], name=f"{build.__name__}_page")


_add("/consents/{record_id}", documents.consent)
_add("/plans/{record_id}/summary", documents.plan_summary)
_add("/clients/{record_id}/report", documents.course_report)
_add("/plans/{record_id}/handout", documents.handout, with_page=False)
