"""The audit log, for owners: who did what to which record, newest first; amendments link to
the record shown beside its original."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.services import audit_log, users
from microneedling.services.record_kinds import BY_ENTITY
from microneedling.web.pages.common import PageActorDep, RecordsDep, render

router = APIRouter()
PAGE_SIZE = 100


@router.get("/audit")
def audit_page(
    request: Request,
    records: RecordsDep,
    actor: PageActorDep,
    entity: str = "",
    offset: int = 0,
) -> Response:
    query = {"entity": entity or None, "limit": PAGE_SIZE, "offset": max(offset, 0)}
    page = audit_log.audit_trail(records, actor, query)
    names = {user.id: user.full_name for user in users.list_users(records, actor)}
    context = {
        "page": page,
        "entity": entity,
        "entities": ["client", "user", "clinic", *BY_ENTITY],
        "names": names,
        "linked": set(BY_ENTITY),
        "next_offset": page.offset + page.limit if page.offset + page.limit < page.total else None,
    }
    return render(request, "audit.html", context, fragment="_audit_rows.html")
