"""The shape every append-only clinical record shares: build a row from validated input, save
it with an audit row, read it back scoped to the clinic, amend it into a new row.

Each kind (intake, plan, consent, session, score, photo) declares its names, input and output
models, how a row is built, how the timeline sums it up, whether it can be amended and which of
its dates cannot be after today (in the clinic's time zone, read from the one injected clock);
`save` and `amend` are written once here, and services/record_kinds.py lists the kinds.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from microneedling.errors import FieldProblem, InputError
from microneedling.knowledge import load_knowledge
from microneedling.knowledge.names import term_name
from microneedling.records.audit import audit
from microneedling.records.models import Clinical
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import live_client
from microneedling.services.clock import Clock
from microneedling.services.common import Output, Records, owned, parse, violates_unique
from microneedling.services.errors import Conflict, NotFound

Stored = TypeVar("Stored", bound=Clinical)
In = TypeVar("In", bound=BaseModel)
Out_co = TypeVar("Out_co", bound="ClinicalOut", covariant=True)


@dataclass(frozen=True)
class RecordKind(Generic[Stored, In, Out_co]):
    """One kind of clinical record: its names, table, input, output, builder, who may write it,
    whether it can be amended and how the timeline sums it up."""

    entity: str  # singular, as in routes, audit rows and messages: "session"
    plural: str  # as in routes and export sections: "sessions"
    title: str  # as people read it: "Treatment session"
    model: type[Stored]
    input_model: type[In]
    output_model: type[Out_co]
    permission: Permission
    build: Callable[[Session, Actor, int, In, Stored | None, Clock], Stored]
    # The day the record is about and one line saying what it holds (the client's timeline).
    summary: Callable[[Stored], tuple[dt.date, str]]
    # Whether a correction is a new version of the record (plans are planned again and
    # consents stay as signed, so neither is amended).
    amendable: bool = False
    # Recorded from a JSON body (a photo is uploaded as a file instead).
    recorded_as_json: bool = True
    # How a row is read when its attributes are not the output as they stand.
    present: Callable[[Stored], Out_co] | None = None
    fixed: frozenset[str] = frozenset()
    not_after_today: tuple[str, ...] = ()
    # Rows kept but not shown (a photo whose client withdrew photography consent): read as
    # not found everywhere but the audit log.
    withheld: Callable[[Session, Stored], bool] | None = None
    # What saving a new row brings about elsewhere in the same transaction (a session logged
    # completes its booking).
    after_save: Callable[[Session, Actor, Stored, Clock], None] | None = None
    # What any new row of the kind, first or amended, brings about in the same transaction (a
    # plan or session dates its course again).
    after_write: Callable[[Session, Actor, Stored], None] | None = None
    # What the "record a …" use case sets going in the same transaction, with the settings at
    # hand (a session logged queues its reminders).
    after_record: Callable[[Session, Records, Actor, Stored], None] | None = None
    # What amending a row brings about in the same transaction, given the original and the
    # new row (an amended photo keeps its measurements).
    after_amend: Callable[[Session, Records, Stored, Stored], None] | None = None

    def output(self, row: Stored) -> Out_co:
        """The row as the use cases return it."""
        if self.present is not None:
            return self.present(row)
        return self.output_model.model_validate(row)

    def of_client(self, db: Session, actor: Actor, record_id: int, client_id: int) -> Stored:
        """The clinic's record with this id, which another record of `client_id` refers to; one
        of another client is a conflict (a record never points across clients)."""
        row = owned(db, actor, self.model, record_id, self.entity)
        if row.client_id != client_id:
            raise Conflict(f"{self.entity} {record_id} belongs to another client")
        return row

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


def in_words(codes: Iterable[str]) -> str:
    """Knowledge-base codes as people read them, for a record's one-line summary."""
    kb = load_knowledge()
    return ", ".join(term_name(kb, code) for code in codes)


class ClinicalOut(Output):
    """What every clinical record reports: whose it is, who wrote it, what it corrects."""

    id: int
    client_id: int
    created_at: dt.datetime
    created_by: int | None
    supersedes_id: int | None
    amendment_reason: str | None


def record(
    records: Records,
    actor: Actor,
    kind: RecordKind[Stored, In, Out_co],
    client_id: int,
    data: object,
) -> Out_co:
    """The use case behind every "record a …": validate, check the role, save, audit."""
    require(actor, kind.permission)
    parsed = parse(kind.input_model, data)
    with records.transaction() as db:
        live_client(db, actor, client_id, lock="shared")
        row = save(db, actor, kind, client_id, parsed, records.clock)
        if kind.after_record is not None:
            kind.after_record(db, records, actor, row)
        return kind.output(row)


def read(
    records: Records, actor: Actor, kind: RecordKind[Stored, In, Out_co], record_id: int
) -> Out_co:
    require(actor, Permission.READ)
    with records.transaction() as db:
        row = owned(db, actor, kind.model, record_id, kind.entity)
        live_client(db, actor, row.client_id)
        if kind.withheld is not None and kind.withheld(db, row):
            raise NotFound(kind.entity, record_id)
        return kind.output(row)


def save(
    db: Session,
    actor: Actor,
    kind: RecordKind[Stored, In, Out_co],
    client_id: int,
    data: In,
    clock: Clock,
) -> Stored:
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
    if kind.after_write is not None:
        kind.after_write(db, actor, row)
    return row


@functools.cache
def is_current(model: Any) -> Any:
    """The condition "no amendment has replaced this row": the one definition of current.
    Made once per model: an alias proxies every column, which costs more than the query."""
    newer = aliased(model)
    return ~exists().where(newer.supersedes_id == model.id)


def current_rows(db: Session, model: type[Stored], client_id: int) -> list[Stored]:
    """A client's rows of one kind that no amendment has replaced, oldest first."""
    table: Any = model
    query = (
        select(table)
        .where(table.client_id == client_id, is_current(table))
        .order_by(table.created_at, table.id)
    )
    return list(db.scalars(query))


def client_rows(db: Session, model: type[Clinical], client_id: int) -> list[Any]:
    """A client's rows of one kind, amended or not, oldest first."""
    table: Any = model
    query = select(table).where(table.client_id == client_id)
    return list(db.scalars(query.order_by(table.created_at, table.id)))


def current_of(rows: list[Any]) -> list[Any]:
    """Of a client's rows of one kind (all of them), those no amendment has replaced: what
    `current_rows` reads, taken from rows already read."""
    replaced = {row.supersedes_id for row in rows if row.supersedes_id is not None}
    return [row for row in rows if row.id not in replaced]


def latest_version(db: Session, kind: RecordKind[Stored, In, Out_co], row: Stored) -> Stored | None:
    """The row that amends this one, if any (only the latest version can be amended)."""
    model: Any = kind.model
    return db.scalar(select(model).where(model.supersedes_id == row.id))


def amend(
    db: Session,
    actor: Actor,
    kind: RecordKind[Stored, In, Out_co],
    record_id: int,
    data: In,
    reason: str,
    clock: Clock,
) -> Stored:
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
    if kind.after_write is not None:
        kind.after_write(db, actor, row)
    return row
