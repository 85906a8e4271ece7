"""The shape every append-only clinical record shares: build a row from validated input, save
it with an audit row, read it back scoped to the clinic, amend it into a new row.

Each kind (intake, consent, session, score, photo) declares its input model, how a row is
built and which of its dates cannot be after today (in the clinic's time zone, read from the
one injected clock); `save` and `amend` are written once here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from microneedling.errors import FieldProblem, InputError
from microneedling.records.audit import audit
from microneedling.records.models import Clinical
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import live_client
from microneedling.services.clock import Clock
from microneedling.services.common import Output, Records, owned, parse, violates_unique
from microneedling.services.errors import Conflict, NotFound

In = TypeVar("In", bound=BaseModel)


@dataclass(frozen=True)
class RecordKind(Generic[In]):
    """One kind of clinical record: its table, input, builder and who may write it."""

    entity: str
    model: type[Clinical]
    input_model: type[In]
    permission: Permission
    build: Callable[[Session, Actor, int, In, Clinical | None, Clock], Clinical]
    output: Callable[[Clinical], BaseModel]
    fixed: frozenset[str] = frozenset()
    not_after_today: tuple[str, ...] = ()
    # Rows kept but not shown (a photo whose client withdrew photography consent): read as
    # not found everywhere but the audit log.
    withheld: Callable[[Session, Clinical], bool] | None = None
    # What saving a new row brings about elsewhere in the same transaction (a session logged
    # completes its booking).
    after_save: Callable[[Session, Actor, Clinical, Clock], None] | None = None
    # What the "record a …" use case sets going in the same transaction, with the settings at
    # hand (a session logged queues its reminders).
    after_record: Callable[[Session, Records, Actor, Clinical], None] | None = None
    # What amending a row brings about in the same transaction, given the original and the
    # new row (an amended photo keeps its measurements).
    after_amend: Callable[[Session, Records, Clinical, Clinical], None] | None = None

    def check_dates(self, data: BaseModel, clock: Clock) -> None:
        """A record of something that has not happened yet is an input error, named by field."""
        today = clock.today()
        late = [
            name
            for name in self.not_after_today
            if (value := getattr(data, name)) is not None and clock.day_of(value) > today
        ]
        if late:
            message = f"is after today ({today.isoformat()} in the clinic's time zone)"
            raise InputError([FieldProblem(name, message) for name in late])

    def input_of(self, row: Clinical) -> dict[str, Any]:
        """The input that would rebuild this row: the starting point of an amendment."""
        return {name: getattr(row, name) for name in self.input_model.model_fields}


class ClinicalOut(Output):
    """What every clinical record reports: whose it is, who wrote it, what it corrects."""

    id: int
    client_id: int
    created_at: dt.datetime
    created_by: int | None
    supersedes_id: int | None
    amendment_reason: str | None


def record(
    records: Records, actor: Actor, kind: RecordKind[Any], client_id: int, data: object
) -> BaseModel:
    """The use case behind every "record a …": validate, check the role, save, audit."""
    require(actor, kind.permission)
    parsed = parse(kind.input_model, data)
    with records.transaction() as db:
        live_client(db, actor, client_id, lock="shared")
        row = save(db, actor, kind, client_id, parsed, records.clock)
        if kind.after_record is not None:
            kind.after_record(db, records, actor, row)
        return kind.output(row)


def read(records: Records, actor: Actor, kind: RecordKind[Any], record_id: int) -> BaseModel:
    require(actor, Permission.READ)
    with records.transaction() as db:
        row = owned(db, actor, kind.model, record_id, kind.entity)
        live_client(db, actor, row.client_id)
        if kind.withheld is not None and kind.withheld(db, row):
            raise NotFound(kind.entity, record_id)
        return kind.output(row)


def save(
    db: Session, actor: Actor, kind: RecordKind[In], client_id: int, data: In, clock: Clock
) -> Clinical:
    kind.check_dates(data, clock)
    row = kind.build(db, actor, client_id, data, None, clock)
    db.add(row)
    db.flush()
    audit(
        db,
        clinic_id=actor.clinic_id,
        actor_id=actor.user_id,
        action=f"{kind.entity}.create",
        entity=kind.entity,
        entity_id=row.id,
        fields=data.model_fields_set,
    )
    if kind.after_save is not None:
        kind.after_save(db, actor, row, clock)
    return row


def is_current(model: Any) -> Any:
    """The condition "no amendment has replaced this row": the one definition of current."""
    newer = aliased(model)
    return ~exists().where(newer.supersedes_id == model.id)


def current_rows(db: Session, model: type[Clinical], client_id: int) -> list[Any]:
    """A client's rows of one kind that no amendment has replaced, oldest first."""
    table: Any = model
    query = (
        select(table)
        .where(table.client_id == client_id, is_current(table))
        .order_by(table.created_at, table.id)
    )
    return list(db.scalars(query))


def latest_version(db: Session, kind: RecordKind[Any], row: Clinical) -> Clinical | None:
    """The row that amends this one, if any (only the latest version can be amended)."""
    model: Any = kind.model
    return db.scalar(select(model).where(model.supersedes_id == row.id))


def amend(
    db: Session,
    actor: Actor,
    kind: RecordKind[In],
    record_id: int,
    data: In,
    reason: str,
    clock: Clock,
) -> Clinical:
    """Write the corrected record as a new row that supersedes the original, and say why
    (its dates already checked against today by the caller, which names them as changes)."""
    original = owned(db, actor, kind.model, record_id, kind.entity)
    newer = latest_version(db, kind, original)
    if newer is not None:
        raise Conflict(
            f"{kind.entity} {record_id} was already amended by {kind.entity} {newer.id}; "
            "amend the latest version"
        )
    row = kind.build(db, actor, original.client_id, data, original, clock)
    row.supersedes_id = original.id
    row.amendment_reason = reason
    db.add(row)
    try:
        db.flush()
    except IntegrityError as error:
        # Another amendment of the same row committed between our read and this insert.
        if not violates_unique(error, "supersedes_id"):
            raise
        raise Conflict(
            f"{kind.entity} {record_id} was amended at the same time; amend the latest version"
        ) from None
    before = kind.input_of(original)
    changed = [name for name, value in kind.input_of(row).items() if before.get(name) != value]
    audit(
        db,
        clinic_id=actor.clinic_id,
        actor_id=actor.user_id,
        action=f"{kind.entity}.amend",
        entity=kind.entity,
        entity_id=row.id,
        fields=[*changed, "amendment_reason"],
    )
    return row
