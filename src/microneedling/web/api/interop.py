"""FHIR R4: a client's record as a Bundle (`GET /clients/{id}/fhir`)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from microneedling.services import interop
from microneedling.web.deps import ActorDep, RecordsDep

router = APIRouter(tags=["interoperability"])
FHIR_JSON = "application/fhir+json"


@router.get(
    "/clients/{client_id}/fhir",
    response_class=JSONResponse,
    responses={200: {"content": {FHIR_JSON: {}}, "description": "A FHIR R4 collection Bundle"}},
)
async def client_fhir(
    records: RecordsDep,
    actor: ActorDep,
    client_id: int,
    inline_photos: Annotated[bool, Query(description="Send photos inline (base64).")] = False,
) -> Any:
    """The client's record as a FHIR R4 Bundle; photos by URL unless asked inline.

    Photo URLs start with the configured public URL (`MICRONEEDLING_PUBLIC_URL`), never with
    the request's Host header, which the client chooses."""
    bundle = await run_in_threadpool(
        interop.export_fhir, records, actor, client_id, inline_photos=inline_photos
    )
    return JSONResponse(bundle, media_type=FHIR_JSON)
