"""Clinical records, one table-driven pair of routes per kind: record one for a client
(`POST /clients/{id}/<kind>s`) and read one (`GET /<kind>s/{id}`); amend any amendable one;
preview a plan without saving; check an intake or a session without saving (the same service
the pages' live checks ask); upload photos, fetch them and their thumbnail and screen copy."""

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Request, Response, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from microneedling.clinical.models import Plan, PlanRequest
from microneedling.services import amendments, photo_measures, photos, plans
from microneedling.services.amendments import AmendmentIn
from microneedling.services.clinical_records import ClinicalOut, read, record
from microneedling.services.intakes import IntakeCheck, IntakeIn, check_intake
from microneedling.services.photo_measures import (
    AnalysisOut,
    ComparisonOut,
    MeasurementOut,
    PairMeasures,
)
from microneedling.services.photos import PhotoOut
from microneedling.services.record_kinds import KINDS, AnyKind
from microneedling.services.treatment_sessions import SessionCheck, SessionIn, check_session
from microneedling.web.deps import ActorDep, RecordsDep
from microneedling.web.renditions import rendition_response, streamed

router = APIRouter(tags=["clinical records"])


def _add_create_route(kind: AnyKind) -> None:
    """`POST /clients/{id}/<kind>s`, its body the kind's input model (in the OpenAPI schema)."""

    body_model = kind.input_model

    def create(
        records: RecordsDep,
        actor: ActorDep,
        client_id: int,
        body: Annotated[body_model, Body()],  # type: ignore[valid-type]
    ) -> ClinicalOut:
        return record(records, actor, kind, client_id, body)

    router.add_api_route(
        f"/clients/{{client_id}}/{kind.plural}",
        create,
        methods=["POST"],
        status_code=201,
        response_model=kind.output_model,
        summary=f"Record a {kind.entity}",
        name=f"create_{kind.entity}",
    )


def _add_read_route(kind: AnyKind) -> None:
    def fetch(records: RecordsDep, actor: ActorDep, record_id: int) -> ClinicalOut:
        return read(records, actor, kind, record_id)

    router.add_api_route(
        f"/{kind.plural}/{{record_id}}",
        fetch,
        methods=["GET"],
        response_model=kind.output_model,
        summary=f"Read a {kind.entity}",
        name=f"read_{kind.entity}",
    )


class PlanPreviewIn(PlanRequest):
    """A plan request whose `as_of` may be left out (the clinic's today is taken)."""

    as_of: dt.date | None = None  # type: ignore[assignment]


@router.post("/plans/preview", response_model=Plan)
async def preview(
    records: RecordsDep,
    actor: ActorDep,
    request: Annotated[PlanPreviewIn, Body(description="A plan request (docs/plan-contract.md)")],
) -> Response:
    """Plan without saving: the planner's answer for a full request; `as_of` defaults to the
    clinic's today.

    Pure and fast, so it runs on the event loop and answers the plan's own JSON directly."""
    sent = request.model_dump(mode="json", exclude_unset=True)
    result = plans.preview_plan(actor, sent, records.clock.today())
    return Response(result.model_dump_json(), media_type="application/json")


@router.post("/clients/{client_id}/intakes/check")
def intake_check(
    records: RecordsDep, actor: ActorDep, client_id: int, body: Annotated[IntakeIn, Body()]
) -> IntakeCheck:
    """What an intake would be saved with (the answers completed from the client's record,
    and the findings with the zones they hold back), saving nothing."""
    return check_intake(records, actor, client_id, body)


@router.post("/clients/{client_id}/sessions/check")
def session_check(
    records: RecordsDep, actor: ActorDep, client_id: int, body: Annotated[SessionIn, Body()]
) -> SessionCheck:
    """The departures a session would carry, saving nothing; saving one that departs needs
    `confirm_departures` and a `departure_reason`."""
    return check_session(records, actor, client_id, body)


for _kind in KINDS:
    if _kind.recorded_as_json:  # a photo is uploaded as a file (below)
        _add_create_route(_kind)
    _add_read_route(_kind)


@router.post("/clients/{client_id}/photos", status_code=201)
async def upload_photo(
    records: RecordsDep,
    actor: ActorDep,
    client_id: int,
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP")],
    view: Annotated[str, Form()],
    taken_on: Annotated[str, Form()],
    zone: Annotated[str | None, Form()] = None,
    lighting: Annotated[str | None, Form()] = None,
    consent_to_use: Annotated[bool, Form()] = False,
    session_id: Annotated[int | None, Form()] = None,
    quality_confirmed: Annotated[
        bool, Form(description="Keep the photo although the quality check finds it unfit")
    ] = False,
) -> PhotoOut:
    content = await file.read(records.settings.photo_max_bytes + 1)
    description = {
        "view": view,
        "taken_on": taken_on,
        "zone": zone,
        "lighting": lighting,
        "consent_to_use": consent_to_use,
        "session_id": session_id,
        "quality_confirmed": quality_confirmed,
    }
    return await run_in_threadpool(
        photos.add_photo, records, actor, client_id, content, description
    )


@router.get(
    "/photos/{record_id}/file",
    response_class=Response,
    responses={
        200: {
            "description": "The photo, as stored (re-encoded at upload)",
            "content": {
                kind: {"schema": {"type": "string", "format": "binary"}}
                for kind in ("image/jpeg", "image/png", "image/webp")
            },
        }
    },
)
def photo_file(records: RecordsDep, actor: ActorDep, record_id: int) -> Response:
    file = photos.photo_file(records, actor, record_id)
    extension = file.content_type.removeprefix("image/")
    disposition = f'attachment; filename="photo-{record_id}.{extension}"'
    return streamed(file, {"Content-Disposition": disposition})


RENDITION_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "WebP, no metadata; ETag is its SHA-256, cached privately for a year",
        "content": {"image/webp": {"schema": {"type": "string", "format": "binary"}}},
    },
    304: {"description": "Not modified (If-None-Match named the current ETag)"},
}


@router.get(
    "/photos/{record_id}/thumbnail",
    response_class=Response,
    responses=RENDITION_RESPONSES,
    summary="A photo's thumbnail (at most 400 px on its long side)",
)
async def photo_thumbnail(
    request: Request, records: RecordsDep, actor: ActorDep, record_id: int
) -> Response:
    return await rendition_response(request, records, actor, record_id, "thumbnail")


@router.get(
    "/photos/{record_id}/screen",
    response_class=Response,
    responses=RENDITION_RESPONSES,
    summary="A photo's screen-size copy (at most 1600 px on its long side)",
)
async def photo_screen(
    request: Request, records: RecordsDep, actor: ActorDep, record_id: int
) -> Response:
    return await rendition_response(request, records, actor, record_id, "screen")


class PhotoMeasurements(BaseModel):
    """Where a photo's measurement stands, and what it stored per zone and measure."""

    analysis: AnalysisOut | None
    measurements: list[MeasurementOut]


@router.post(
    "/photos/{record_id}/analysis",
    status_code=202,
    summary="Measure a photo (again) in the background",
)
def analyse_photo(records: RecordsDep, actor: ActorDep, record_id: int) -> AnalysisOut:
    """Queues the measurement of a photo stored before measurements existed, or whose last
    analysis failed; one already queued, running or done is left as it is."""
    return photo_measures.request_analysis(records, actor, record_id)


@router.get("/photos/{record_id}/measurements", summary="A photo's stored measurements")
def photo_measurements(records: RecordsDep, actor: ActorDep, record_id: int) -> PhotoMeasurements:
    """Per zone and measure, the value and the minimal detectable change (MDC95) it is judged
    against; empty until the analysis is done."""
    return PhotoMeasurements(
        analysis=photo_measures.analysis_of(records, actor, record_id),
        measurements=photo_measures.measurements_of(records, actor, record_id),
    )


@router.post(
    "/photos/{record_id}/comparisons/{after_id}",
    status_code=202,
    summary="Measure the change between two photos in the background",
)
def compare_photos(
    records: RecordsDep, actor: ActorDep, record_id: int, after_id: int
) -> ComparisonOut:
    """Queues `compare` on the pair (the photo as before, `after_id` as after): one set of
    zone masks, aligned, colour-matched. A pair already queued, running or done is left as
    it is; a failed one is queued again."""
    return photo_measures.request_comparison(records, actor, record_id, after_id)


@router.get(
    "/photos/{record_id}/comparisons/{after_id}",
    summary="The change between two photos, per zone and measure",
)
def photo_change(
    records: RecordsDep, actor: ActorDep, record_id: int, after_id: int
) -> PairMeasures:
    """Where each photo's analysis and the pair's comparison stand and, once compared, the
    change per zone and measure with the MDC95 it was judged against and whether it is
    detectable; `changes` is empty until then."""
    return photo_measures.pair_measures(records, actor, record_id, after_id)


@router.post("/{entity}s/{record_id}/amendments", status_code=201)
def amend(
    records: RecordsDep,
    actor: ActorDep,
    entity: str,
    record_id: int,
    body: Annotated[
        AmendmentIn,
        Body(examples=[{"changes": {"lot_number": "B-2231"}, "reason": "lot misread"}]),
    ],
) -> dict[str, Any]:
    """Correct a record: a new version that keeps the original and says who changed what, why."""
    amended = amendments.amend_record(records, actor, entity, record_id, body)
    return amended.model_dump(mode="json")
