"""Photos: guided capture (the browser's camera with the previous photo of the same view as a
ghost overlay, in static/capture.js) over an upload form that works without either, a gallery
by view or by session, and a before/after viewer (side by side, and a slider that needs
JavaScript to move). The pages show thumbnails and screen-size copies; an original is sent
only when its own link is followed."""

from __future__ import annotations

from typing import Any

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
from microneedling.services.photo_renditions import Kind
from microneedling.services.photos import VIEW_NAMES, PhotoOut
from microneedling.services.treatment_sessions import SessionOut
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
from microneedling.web.renditions import rendition_response

router = APIRouter()
PHOTO_FIELDS = (
    "file",
    "view",
    "taken_on",
    "zone",
    "session_id",
    "lighting",
    "consent_to_use",
    "quality_confirmed",
)


def pair(
    shown: list[PhotoOut], before: int | None, after: int | None
) -> tuple[PhotoOut | None, PhotoOut | None]:
    """The two photos to compare: those asked for, else the first and last of the latest
    photo's zone and view."""
    by_id = {p.id: p for p in shown}
    if before in by_id and after in by_id:
        return by_id[before], by_id[after]
    if len(shown) < 2:
        return None, None
    last = shown[-1]
    same = [p for p in shown if p.zone == last.zone and p.view == last.view]
    if len(same) < 2:
        return None, None
    return same[0], same[-1]


def gallery(
    shown: list[PhotoOut], sessions: list[SessionOut], group: str
) -> list[tuple[str, list[PhotoOut]]]:
    """The photos in groups: by view (in the order views are taken) or by session (in date
    order, then those taken outside a session)."""
    if group == "session":
        dates = {s.id: s.performed_on for s in sessions}
        titled = [
            (f"Session of {dates[s.id].isoformat()}", [p for p in shown if p.session_id == s.id])
            for s in sessions
        ]
        loose = [p for p in shown if p.session_id not in dates]
        return [(t, ps) for t, ps in [*titled, ("Not taken at a session", loose)] if ps]
    by_view = [
        (f"{name.capitalize()} view", [p for p in shown if p.view == view])
        for view, name in VIEW_NAMES.items()
    ]
    return [(title, ps) for title, ps in by_view if ps]


def ghosts(shown: list[PhotoOut]) -> dict[str, int]:
    """The latest photo of each view (and of each zone's close-up): the overlay that guides
    the next capture of the same view."""
    latest: dict[str, int] = {}
    for photo in shown:
        latest[photo.view] = photo.id
        if photo.view == "close_up" and photo.zone:
            latest[f"close_up:{photo.zone}"] = photo.id
    return latest


def _context(
    records: Records,
    actor: Actor,
    client_id: int,
    form: Any,
    errors: FormErrors | None,
    before: int | None = None,
    after: int | None = None,
    group: str = "view",
) -> dict[str, Any]:
    course = client_course(records, actor, client_id)
    shown = sorted(course.photos, key=lambda p: (p.taken_on, p.id))
    first, second = pair(shown, before, after)
    return {
        "client": course.client,
        "photos": shown,
        "before": first,
        "after": second,
        "group": "session" if group == "session" else "view",
        "groups": gallery(shown, course.sessions, group),
        "ghosts": ghosts(shown),
        "form": form,
        "errors": errors,
        "views": list(VIEW_NAMES.items()),
        "view_names": VIEW_NAMES,
        "sessions": [(s.id, f"{s.performed_on.isoformat()} · {s.device}") for s in course.sessions],
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
    group: str = "view",
) -> Response:
    context = _context(records, actor, client_id, {}, None, before, after, group)
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
        "session_id": text(form, "session_id"),
        "quality_confirmed": form.get("quality_confirmed") == "true",
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
    """The original, only when asked for by name (the pages show renditions)."""
    content, content_type = photos.photo_file(records, actor, photo_id)
    return Response(content, media_type=content_type)


@router.get("/photos/{photo_id}/{kind}")
async def photo_copy(
    request: Request, records: RecordsDep, actor: ActorDep, photo_id: int, kind: Kind
) -> Response:
    return await rendition_response(request, records, actor, photo_id, kind)
