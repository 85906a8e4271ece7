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
from microneedling.knowledge.names import zone_choices
from microneedling.services import photo_measures, photos
from microneedling.services.access import Actor, Permission
from microneedling.services.common import Records
from microneedling.services.course import client_course
from microneedling.services.photo_measures import MEASURES, Change, before_after, pair_measures
from microneedling.services.photo_renditions import Kind
from microneedling.services.photos import VIEW_NAMES, PhotoOut
from microneedling.services.treatment_sessions import SessionOut
from microneedling.web.pages.common import (
    FormDep,
    FormErrors,
    PageActorDep,
    RecordsDep,
    form_errors,
    is_htmx,
    redirect,
    render,
    text,
)
from microneedling.web.renditions import rendition_response, streamed

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


PLOT_LABEL_PX, PLOT_WIDTH_PX, PLOT_ROW_PX = 170, 420, 26


def verdict(change: Change) -> str:
    """A change in words: beyond the MDC it is an increase or a decrease, below it within
    the error two photos of an unchanged face show."""
    if change.detectable is None:
        return "not judged"
    if not change.detectable:
        return "within measured error"
    return "detectable increase" if (change.change or 0) > 0 else "detectable decrease"


def plot(changes: list[Change], measure: str) -> dict[str, Any] | None:
    """One measure's change per zone as an SVG dot plot: a grey band of ±MDC (no detectable
    change inside it) and a dot at the change, on a scale wide enough for both."""
    rows = [c for c in changes if c.measure == measure and c.change is not None and c.mdc]
    if not rows:
        return None
    span = 1.1 * max(max(abs(c.change or 0), c.mdc or 0) for c in rows)

    def x(value: float) -> float:
        return round(PLOT_LABEL_PX + PLOT_WIDTH_PX * (0.5 + value / (2 * span)), 1)

    return {
        "measure": measure,
        "name": MEASURES[measure][0],
        "span": round(span, 3),
        "left": PLOT_LABEL_PX,
        "right": PLOT_LABEL_PX + PLOT_WIDTH_PX,
        "middle": x(0),
        "height": PLOT_ROW_PX * len(rows) + 30,
        "rows": [
            {
                "y": PLOT_ROW_PX * index + 15,
                "zone": c.zone.replace("_", " "),
                "dot": x(c.change or 0),
                "low": x(-(c.mdc or 0)),
                "high": x(c.mdc or 0),
                "detectable": c.detectable,
            }
            for index, c in enumerate(rows)
        ],
    }


def _context(
    records: Records,
    actor: Actor,
    client_id: int,
    form: Any,
    errors: FormErrors | None,
    before: int | None = None,
    after: int | None = None,
    group: str = "view",
    measure: str = "a_star",
) -> dict[str, Any]:
    course = client_course(records, actor, client_id)
    shown = sorted(course.photos, key=lambda p: (p.taken_on, p.id))
    first, second = before_after(shown, before, after)
    measures = pair_measures(records, actor, first.id, second.id) if first and second else None
    chosen = measure if measure in MEASURES else "a_star"
    return {
        "measures": measures,
        "measure": chosen,
        "measure_names": {code: name for code, (name, _unit) in MEASURES.items()},
        "plot": plot(measures.changes, chosen) if measures else None,
        "verdict": verdict,
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
        "zones": zone_choices(load_knowledge()),
        "today": records.clock.today().isoformat(),
        "can_add": actor.can(Permission.ADD_PHOTO),
        "max_mib": records.settings.photo_max_bytes // (1024 * 1024),
    }


@router.get("/clients/{client_id}/photos")
def photos_page(
    request: Request,
    records: RecordsDep,
    actor: PageActorDep,
    client_id: int,
    before: int | None = None,
    after: int | None = None,
    group: str = "view",
    measure: str = "a_star",
) -> Response:
    context = _context(records, actor, client_id, {}, None, before, after, group, measure)
    return render(request, "photos.html", context, fragment="_compare.html")


@router.post("/clients/{client_id}/photos")
async def upload(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int, form: FormDep
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


@router.get("/photos/{photo_id}/analysis")
def analysis_status(
    request: Request, records: RecordsDep, actor: PageActorDep, photo_id: int
) -> Response:
    """Where a photo's measurement stands; polled by HTMX until it ends, and then the page is
    reloaded to show the results."""
    analysis = photo_measures.analysis_of(records, actor, photo_id)
    context = {"photo_id": photo_id, "analysis": analysis, "can_add": False}
    response = render(request, "_analysis.html", context)
    if is_htmx(request) and analysis is not None and analysis.status in ("done", "failed"):
        response.headers["HX-Refresh"] = "true"
    return response


@router.post("/photos/{photo_id}/analysis")
def measure_photo(
    request: Request, records: RecordsDep, actor: PageActorDep, photo_id: int, form: FormDep
) -> Response:
    queued = photo_measures.request_analysis(records, actor, photo_id)
    return redirect(request, f"/clients/{queued.client_id}/photos")


@router.get("/photos/{before_id}/comparisons/{after_id}")
def comparison_status(
    request: Request, records: RecordsDep, actor: PageActorDep, before_id: int, after_id: int
) -> Response:
    """Where the comparison of two photos stands; polled by HTMX until it ends, and then the
    page is reloaded to show the change."""
    comparison = photo_measures.comparison_of(records, actor, before_id, after_id)
    context = {
        "before_id": before_id,
        "after_id": after_id,
        "comparison": comparison,
        "can_add": False,
    }
    response = render(request, "_comparison.html", context)
    if is_htmx(request) and comparison is not None and comparison.status in ("done", "failed"):
        response.headers["HX-Refresh"] = "true"
    return response


@router.post("/photos/{before_id}/comparisons/{after_id}")
def measure_change(
    request: Request,
    records: RecordsDep,
    actor: PageActorDep,
    before_id: int,
    after_id: int,
    form: FormDep,
) -> Response:
    queued = photo_measures.request_comparison(records, actor, before_id, after_id)
    return redirect(
        request, f"/clients/{queued.client_id}/photos?before={before_id}&after={after_id}"
    )


@router.get("/photos/{photo_id}/file")
def photo_file(records: RecordsDep, actor: PageActorDep, photo_id: int) -> Response:
    """The original, only when asked for by name (the pages show renditions)."""
    return streamed(photos.photo_file(records, actor, photo_id))


@router.get("/photos/{photo_id}/{kind}")
async def photo_copy(
    request: Request, records: RecordsDep, actor: PageActorDep, photo_id: int, kind: Kind
) -> Response:
    return await rendition_response(request, records, actor, photo_id, kind)
