"""Photos: upload with zone and view, and a before/after viewer (side by side, and a slider
that needs JavaScript to move)."""

from __future__ import annotations

from typing import Any, get_args

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from microneedling.errors import InputError
from microneedling.knowledge import load_knowledge
from microneedling.services import photos
from microneedling.services.access import Actor, Permission
from microneedling.services.common import Records
from microneedling.services.course import client_course
from microneedling.services.photos import View, before_after
from microneedling.web.pages.common import (
    ActorDep,
    FormDep,
    FormErrors,
    RecordsDep,
    form_errors,
    redirect,
    render,
    text,
)

router = APIRouter()
PHOTO_FIELDS = ("file", "view", "taken_on", "zone", "lighting", "consent_to_use")


def _context(
    records: Records,
    actor: Actor,
    client_id: int,
    form: Any,
    errors: FormErrors | None,
    before: int | None = None,
    after: int | None = None,
) -> dict[str, Any]:
    course = client_course(records, actor, client_id)
    shown = sorted(course.photos, key=lambda p: (p.taken_on, p.id))
    first, second = before_after(shown, before, after)
    return {
        "client": course.client,
        "photos": shown,
        "before": first,
        "after": second,
        "form": form,
        "errors": errors,
        "views": [(v, v.replace("_", " ")) for v in get_args(View)],
        "zones": [(code, zone.name) for code, zone in load_knowledge().zones.items()],
        "today": records.clock.today().isoformat(),
        "can_add": actor.can(Permission.ADD_PHOTO),
        "max_mib": records.settings.photo_max_bytes // (1024 * 1024),
    }


@router.get("/clients/{client_id}/photos")
def photos_page(
    request: Request,
    records: RecordsDep,
    actor: ActorDep,
    client_id: int,
    before: int | None = None,
    after: int | None = None,
) -> Response:
    context = _context(records, actor, client_id, {}, None, before, after)
    return render(request, "photos.html", context, fragment="_compare.html")


@router.post("/clients/{client_id}/photos")
async def upload(
    request: Request, records: RecordsDep, actor: ActorDep, client_id: int, form: FormDep
) -> Response:
    upload = form.get("file")
    content = b""
    if isinstance(upload, UploadFile):
        content = await upload.read(records.settings.photo_max_bytes + 1)
    description = {
        "view": text(form, "view"),
        "taken_on": text(form, "taken_on"),
        "zone": text(form, "zone"),
        "lighting": text(form, "lighting"),
        "consent_to_use": form.get("consent_to_use") == "true",
    }
    try:
        await run_in_threadpool(photos.add_photo, records, actor, client_id, content, description)
    except InputError as error:
        errors = form_errors(error, known=PHOTO_FIELDS)
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        context = await run_in_threadpool(_context, records, actor, client_id, values, errors)
        return render(request, "photos.html", context, status_code=422)
    return redirect(request, f"/clients/{client_id}/photos")


@router.get("/photos/{photo_id}/file")
def photo_file(records: RecordsDep, actor: ActorDep, photo_id: int) -> Response:
    content, content_type = photos.photo_file(records, actor, photo_id)
    return Response(content, media_type=content_type)
