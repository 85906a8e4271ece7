"""Reading the audit trail: owners only, their clinic only, newest first, filterable."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field
from sqlalchemy import ColumnElement, func, select

from microneedling.records.models import AuditEntry
from microneedling.services.access import Actor, Permission, require
from microneedling.services.common import (
    Day,
    Input,
    Offset,
    Output,
    Page,
    Records,
    RowId,
    parse_page_query,
)


class AuditOut(Output):
    id: int
    actor_id: int | None
    action: str
    entity: str
    entity_id: int | None
    fields: list[str]
    at: dt.datetime


class AuditQuery(Input):
    entity: Annotated[str, Field(max_length=32)] | None = None
    entity_id: RowId | None = None
    actor_id: RowId | None = None
    since: Day | None = None
    until: Day | None = None
    limit: Annotated[int, Field(ge=1)] = 100
    offset: Offset = 0


def audit_trail(records: Records, actor: Actor, query: object = None) -> Page[AuditOut]:
    require(actor, Permission.READ_AUDIT)
    criteria = parse_page_query(records, AuditQuery, query)
    conditions: list[ColumnElement[bool]] = [AuditEntry.clinic_id == actor.clinic_id]
    for name in ("entity", "entity_id", "actor_id"):
        value = getattr(criteria, name)
        if value is not None:
            conditions.append(getattr(AuditEntry, name) == value)
    if criteria.since:
        conditions.append(AuditEntry.at >= records.clock.start_of(criteria.since))
    if criteria.until:
        end = records.clock.start_of(criteria.until + dt.timedelta(days=1))
        conditions.append(AuditEntry.at < end)
    with records.transaction() as db:
        total = db.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
        rows = db.scalars(
            select(AuditEntry)
            .where(*conditions)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(criteria.limit)
            .offset(criteria.offset)
        )
        items = [AuditOut.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=criteria.limit, offset=criteria.offset)
