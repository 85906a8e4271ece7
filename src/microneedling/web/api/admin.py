"""The clinic's own administration: users, the audit log, exports and consent texts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response

from microneedling.services import audit_log, clinics, exports, users
from microneedling.services.audit_log import AuditOut
from microneedling.services.clinics import ClinicIn, ClinicOut
from microneedling.services.common import Page
from microneedling.services.consents import consent_texts
from microneedling.services.users import UserOut
from microneedling.web.deps import ActorDep, RecordsDep

router = APIRouter(tags=["clinic"])


@router.get("/clinic")
def clinic_details(records: RecordsDep, actor: ActorDep) -> ClinicOut:
    """The clinic's name, address and phone, as handouts print them."""
    return clinics.clinic_details(records, actor)


@router.patch("/clinic")
def update_clinic(
    records: RecordsDep,
    actor: ActorDep,
    body: Annotated[ClinicIn, Body(examples=[{"phone": "+44 20 7946 0000"}])],
) -> ClinicOut:
    """Owners set the clinic's address and phone (null clears one)."""
    return clinics.update_clinic(records, actor, body)


@router.get("/users")
def list_users(records: RecordsDep, actor: ActorDep) -> list[UserOut]:
    """The clinic's users (owners only)."""
    return users.list_users(records, actor)


@router.patch("/users/{user_id}")
def update_user(
    records: RecordsDep,
    actor: ActorDep,
    user_id: int,
    body: Annotated[
        users.UserChange, Body(examples=[{"version": 1, "role": "read_only", "active": False}])
    ],
) -> UserOut:
    """Owners change a user's role, deactivate or reactivate them, or reset their password
    (with the `version` they read); the user's tokens stop working at once."""
    return users.update_user(records, actor, user_id, body)


@router.post("/users", status_code=201)
def create_user(
    records: RecordsDep,
    actor: ActorDep,
    body: Annotated[
        users.UserIn,
        Body(
            examples=[
                {
                    "email": "nurse@clinic.example",
                    "full_name": "Sam Nurse",
                    "role": "clinician",
                    "password": "a long enough password",
                }
            ]
        ),
    ],
) -> UserOut:
    """Owners add users to their clinic: e-mail, full_name, role and password."""
    return users.create_user(records, actor, body)


@router.get("/audit")
def audit(
    records: RecordsDep,
    actor: ActorDep,
    entity: str | None = None,
    entity_id: int | None = None,
    actor_id: int | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Page[AuditOut]:
    query = {
        "entity": entity,
        "entity_id": entity_id,
        "actor_id": actor_id,
        "since": since,
        "until": until,
        "limit": limit,
        "offset": offset,
    }
    return audit_log.audit_trail(records, actor, query)


@router.get(
    "/exports",
    response_model=None,
    responses={
        200: {
            "description": "The records as JSON, or the sessions as CSV",
            "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def export(
    records: RecordsDep,
    actor: ActorDep,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> dict[str, Any] | Response:
    """The clinic's records as one JSON document, or the sessions as CSV."""
    if format == "csv":
        text = exports.export_sessions_csv(records, actor)
        return Response(
            text,
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="sessions.csv"'},
        )
    return exports.export_json(records, actor)


@router.get("/consent-texts")
def list_consent_texts(_actor: ActorDep) -> list[dict[str, str]]:
    return [
        {"scope": scope, "version": version, "text": text}
        for (scope, version), text in consent_texts().items()
    ]
