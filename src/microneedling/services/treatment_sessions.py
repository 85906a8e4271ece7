"""Sessions as delivered: device, cartridge and lot, single-use confirmation, needle length and
passes per zone, end-point, anaesthetic, topicals, reactions and adverse events — with warnings
where the session departs from its plan (clinical/session_check.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from microneedling.clinical.models import (
    MAX_NEEDLE_MM,
    MIN_NEEDLE_MM,
    Plan,
    TopicalCode,
    ZoneCode,
)
from microneedling.clinical.session_check import LoggedSession, LoggedZone, session_warnings
from microneedling.knowledge import load_knowledge
from microneedling.knowledge.models import DeviceType
from microneedling.records.models import Clinical, PlanRecord, TreatmentSession, User
from microneedling.services.access import Actor, Permission
from microneedling.services.clinical_records import ClinicalOut, RecordKind
from microneedling.services.common import Input, dump, owned
from microneedling.services.errors import Conflict

ShortText = Annotated[str, Field(max_length=120)]
LongText = Annotated[str, Field(max_length=4000)]


class ZoneLog(Input):
    zone: ZoneCode
    needle_mm: Annotated[float, Field(ge=MIN_NEEDLE_MM, le=MAX_NEEDLE_MM)]
    passes: Annotated[int, Field(ge=1, le=30)] | None = None


class AdverseEvent(Input):
    event: Annotated[str, Field(min_length=1, max_length=200)]
    severity: Literal["mild", "moderate", "severe"]
    onset_days: Annotated[int, Field(ge=0, le=365)] | None = None
    follow_up: LongText | None = None


class SessionIn(Input):
    plan_id: int | None = None
    performed_on: dt.date
    operator_id: int | None = None
    device: DeviceType
    device_model: ShortText | None = None
    cartridge: ShortText | None = None
    lot_number: Annotated[str, Field(max_length=64)] | None = None
    single_use: bool
    zones: Annotated[list[ZoneLog], Field(min_length=1)]
    end_point: Annotated[str, Field(max_length=64)] | None = None
    anaesthetic: ShortText | None = None
    topicals: list[TopicalCode] = Field(default_factory=list)
    immediate_reactions: LongText | None = None
    adverse_events: list[AdverseEvent] = Field(default_factory=list)
    notes: LongText | None = None


class SessionOut(ClinicalOut):
    plan_id: int | None
    performed_on: dt.date
    operator_id: int | None
    device: str
    device_model: str | None
    cartridge: str | None
    lot_number: str | None
    single_use: bool
    zones: list[dict[str, Any]]
    end_point: str | None
    anaesthetic: str | None
    topicals: list[str]
    immediate_reactions: str | None
    adverse_events: list[dict[str, Any]]
    notes: str | None
    warnings: list[dict[str, Any]]


def _previous_session_on(
    db: Session, plan_id: int, before: dt.date, original: Clinical | None
) -> dt.date | None:
    """The latest current (not amended) session of the plan before this one."""
    newer = aliased(TreatmentSession)
    query = select(func.max(TreatmentSession.performed_on)).where(
        TreatmentSession.plan_id == plan_id,
        TreatmentSession.performed_on < before,
        ~exists().where(newer.supersedes_id == TreatmentSession.id),
    )
    if original is not None:
        query = query.where(TreatmentSession.id != original.id)
    return db.scalar(query)


def _build(
    db: Session, actor: Actor, client_id: int, data: SessionIn, original: Clinical | None
) -> TreatmentSession:
    plan: Plan | None = None
    previous_on = None
    if data.plan_id is not None:
        record = owned(db, actor, PlanRecord, data.plan_id, "plan")
        if record.client_id != client_id:
            raise Conflict(f"plan {data.plan_id} belongs to another client")
        plan = Plan.model_validate(record.plan)
        previous_on = _previous_session_on(db, record.id, data.performed_on, original)
    operator_id = data.operator_id if data.operator_id is not None else actor.user_id
    if operator_id is not None:
        owned(db, actor, User, operator_id, "user")
    logged = LoggedSession(
        performed_on=data.performed_on,
        zones=[LoggedZone(z.zone, z.needle_mm) for z in data.zones],
        single_use=data.single_use,
        topicals=data.topicals,
    )
    warnings = session_warnings(logged, plan, previous_on, load_knowledge())
    fields = data.model_dump(mode="json", exclude={"operator_id", "performed_on"})
    return TreatmentSession(
        clinic_id=actor.clinic_id,
        client_id=client_id,
        created_by=actor.user_id,
        operator_id=operator_id,
        performed_on=data.performed_on,
        warnings=[dump(warning) for warning in warnings],
        **fields,
    )


SESSION = RecordKind(
    entity="session",
    model=TreatmentSession,
    input_model=SessionIn,
    permission=Permission.LOG_SESSION,
    build=_build,
    output=SessionOut.model_validate,
)
