"""Plans: preview a plan without saving it, or create one from an intake and keep the request,
the plan and the knowledge-base version that made it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field
from sqlalchemy.orm import Session

from microneedling.clinical.models import Plan
from microneedling.clinical.planner import plan as make_plan
from microneedling.knowledge.models import Setting
from microneedling.records.models import Clinical, PlanRecord
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clinical_records import (
    ClinicalOut,
    RecordKind,
    in_words,
    latest_version,
    read,
)
from microneedling.services.clock import Clock
from microneedling.services.common import Day, Input, Records, dump
from microneedling.services.course_due import refresh_course_due
from microneedling.services.errors import Conflict
from microneedling.services.intakes import INTAKE


class PlanIn(Input):
    """A plan request without its `client` part, which comes from the intake."""

    intake_id: int
    setting: Setting = "clinic"
    device: dict[str, Any]
    concerns: list[dict[str, Any]]
    topicals: list[str] = Field(default_factory=list)
    claims: list[str] = Field(default_factory=list)
    start_date: Day | None = None
    as_of: Day | None = None  # the screening day, today when missing; a start never precedes it


class PlanOut(ClinicalOut):
    intake_id: int | None
    status: str
    start_date: dt.date | None
    request: dict[str, Any]
    plan: Plan
    knowledge_version: str


def preview_plan(actor: Actor, request: object, today: dt.date) -> Plan:
    """Plan without saving anything: the request as in docs/plan-contract.md; `as_of` defaults
    to the clinic's today."""
    require(actor, Permission.READ)
    if isinstance(request, dict):
        request = {"as_of": today.isoformat(), **request}
    return make_plan(request)  # type: ignore[arg-type]


def _build(
    db: Session,
    actor: Actor,
    client_id: int,
    data: PlanIn,
    _original: Clinical | None,
    clock: Clock,
) -> PlanRecord:
    intake = INTAKE.of_client(db, actor, data.intake_id, client_id)
    newer = latest_version(db, INTAKE, intake)
    if newer is not None:
        raise Conflict(f"intake {intake.id} was amended by intake {newer.id}; plan from that one")
    request = {
        **data.model_dump(mode="json", exclude={"intake_id", "as_of"}),
        "client": intake.answers,
        "as_of": (data.as_of or clock.today()).isoformat(),
    }
    result = make_plan(request)
    return PlanRecord(
        clinic_id=actor.clinic_id,
        client_id=client_id,
        created_by=actor.user_id,
        intake_id=intake.id,
        status=result.status,
        start_date=data.start_date,
        request=request,
        plan=dump(result),
        knowledge_version=result.knowledge_version,
    )


def _summary(row: PlanRecord) -> tuple[dt.date, str]:
    indications = sorted({t["indication"] for t in row.plan.get("treatments", [])})
    return row.created_at.date(), f"plan {row.status}: {in_words(indications)}"


PLAN = RecordKind(
    entity="plan",
    plural="plans",
    title="Plan",
    model=PlanRecord,
    input_model=PlanIn,
    output_model=PlanOut,
    permission=Permission.PLAN,
    build=_build,
    summary=_summary,
    after_write=refresh_course_due,
)


def read_plan(records: Records, actor: Actor, plan_id: int) -> PlanOut:
    """A saved plan (the pages, the documents and the calendar file read it)."""
    return read(records, actor, PLAN, plan_id)
