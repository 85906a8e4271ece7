"""Register, find, change and erase clients.

Clients are mutable: every change quotes the version it was made against, so two users can
never silently overwrite each other. Erasure is the owner's explicit, audited action that
removes the client's personal data, clinical rows and photo files.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    and_,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from microneedling.records.audit import audit
from microneedling.records.database import begin_write, forget_erased, lock_key
from microneedling.records.models import (
    Appointment,
    Client,
    ClientIdentifier,
    Consent,
    Intake,
    Job,
    Message,
    Photo,
    PhotoAnalysis,
    PhotoComparison,
    PhotoMeasurement,
    PhotoRendition,
    PlanRecord,
    ScoreRecord,
    TreatmentSession,
)
from microneedling.services.access import Actor, Permission, require
from microneedling.services.common import (
    Day,
    Input,
    Offset,
    Output,
    Page,
    Records,
    owned,
    parse,
    parse_page_query,
)
from microneedling.services.errors import Conflict, NotFound
from microneedling.services.users import Email

Name = Annotated[str, Field(min_length=1, max_length=100)]
Sex = Literal["female", "male", "other", "unknown"]
Phone = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[0-9+()\-. ]+$")]
Notes = Annotated[str, Field(max_length=4000)]
Phototype = Annotated[int, Field(ge=1, le=6)]
PERSONAL_FIELDS = ("given_name", "family_name", "birth_date", "sex", "email", "phone", "notes")
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


class ClientDetails(Input):
    """A client's own details, each optional: what a change may name."""

    given_name: Name | None = None
    family_name: Name | None = None
    birth_date: dt.date | None = None
    sex: Sex | None = None
    email: Email | None = None
    phone: Phone | None = None
    phototype: Phototype | None = None
    notes: Notes | None = None
    # Consent to reminders by e-mail: off unless recorded.
    contact_by_email: bool = False

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth_date(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        """Not before 1900 nor after the clinic's today, which the services pass in as the
        validation context (`details_context`); without one only the earliest date is checked."""
        today = (info.context or {}).get("today", dt.date.max)
        if value is not None and not EARLIEST_BIRTH_DATE <= value <= today:
            raise ValueError(f"must be between {EARLIEST_BIRTH_DATE} and today")
        return value


def details_context(records: Records) -> dict[str, dt.date]:
    """What validating a client's details needs beyond the input: the clinic's today."""
    return {"today": records.clock.today()}


class ClientIn(ClientDetails):
    """A new client: both names are required."""

    given_name: Name
    family_name: Name


class ClientChange(ClientDetails):
    """The fields to change and the version they were read at."""

    version: int


class ClientOut(Output):
    id: int
    version: int
    given_name: str | None
    family_name: str | None
    birth_date: dt.date | None
    sex: str | None
    email: str | None
    phone: str | None
    phototype: int | None
    notes: str | None
    contact_by_email: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    erased_at: dt.datetime | None


def name_key(name: str) -> str:
    """A name folded for search: no accents, lower case, letters, digits and single spaces."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    kept = "".join(char if char.isalnum() else " " for char in folded)
    return " ".join(kept.split())


def _set_names(client: Client) -> None:
    client.given_key = name_key(client.given_name or "")
    client.family_key = name_key(client.family_name or "")


def register_client(records: Records, actor: Actor, data: object) -> ClientOut:
    require(actor, Permission.WRITE_CLIENTS)
    client_in = parse(ClientIn, data, context=details_context(records))
    with records.transaction() as db:
        return ClientOut.model_validate(add_client(db, actor, client_in, records.clock.now()))


def add_client(db: Session, actor: Actor, client_in: ClientIn, now: dt.datetime) -> Client:
    """Create a client inside the caller's transaction (registering, importing), audited;
    `now` (the services' clock) is its registration time."""
    client = Client(clinic_id=actor.clinic_id, created_at=now, **client_in.model_dump())
    db.add(client)
    _saved(db, actor, client, "client.create", client_in.model_fields_set)
    return client


ClientLock = Literal["shared", "exclusive"]


def live_client(
    db: Session, actor: Actor, client_id: int, *, lock: ClientLock | None = None
) -> Client:
    """A client of the actor's clinic that has not been erased.

    A write for the client takes a `shared` lock, an erasure or a change of the client itself an
    `exclusive` one, held until the transaction ends: a write lands before an erasure (and is
    erased with the rest) or sees the client erased (404), never in between. PostgreSQL locks
    the row (FOR SHARE / FOR UPDATE, re-read after any wait); SQLite takes its write lock first.
    """
    options: dict[str, Any] = {}
    if lock is not None:
        begin_write(db)
        options = {"populate_existing": True, "with_for_update": {"read": lock == "shared"}}
    client = owned(db, actor, Client, client_id, "client", **options)
    if client.erased_at is not None:
        raise NotFound("client", client_id)
    return client


def get_client(records: Records, actor: Actor, client_id: int) -> ClientOut:
    require(actor, Permission.READ)
    with records.transaction() as db:
        return ClientOut.model_validate(live_client(db, actor, client_id))


def update_client(records: Records, actor: Actor, client_id: int, data: object) -> ClientOut:
    require(actor, Permission.WRITE_CLIENTS)
    change = parse(ClientChange, data, context=details_context(records))
    with records.transaction() as db:
        client = live_client(db, actor, client_id, lock="exclusive")
        if change.version != client.version:
            raise Conflict(
                f"client {client_id} was changed by someone else (now version "
                f"{client.version}, you sent {change.version}); reload it and try again"
            )
        fields = change.model_fields_set - {"version"}
        change_client(db, actor, client, {name: getattr(change, name) for name in fields})
        return ClientOut.model_validate(client)


def change_client(db: Session, actor: Actor, client: Client, values: dict[str, Any]) -> None:
    """Set validated fields of a client inside the caller's transaction, audited."""
    for name, value in values.items():
        setattr(client, name, value)
    _saved(db, actor, client, "client.update", set(values))


def _saved(db: Session, actor: Actor, client: Client, action: str, fields: set[str]) -> None:
    """Refresh the client's search names, write it, and audit which fields were set."""
    _set_names(client)
    db.flush()
    audit(
        db,
        clinic_id=actor.clinic_id,
        actor_id=actor.user_id,
        action=action,
        entity="client",
        entity_id=client.id,
        fields=fields,
    )


def _prefix(column: SQLColumnExpression[str | None], prefix: str) -> ColumnElement[bool]:
    """`column` starts with `prefix`, as a range an index can serve (keys are plain ASCII)."""
    return and_(column >= prefix, column < prefix + "~")


def _name_filter(query: str) -> ColumnElement[bool] | None:
    """Given or family name starts with the query's words (either order for two words)."""
    words = name_key(query).split()
    if not words:
        return None
    if len(words) == 1:
        return or_(_prefix(Client.family_key, words[0]), _prefix(Client.given_key, words[0]))
    first, last = words[0], " ".join(words[1:])
    return or_(
        and_(_prefix(Client.given_key, first), _prefix(Client.family_key, last)),
        and_(_prefix(Client.family_key, first), _prefix(Client.given_key, last)),
        _prefix(Client.family_key, " ".join(words)),
    )


class ClientQuery(Input):
    """Search by the start of a given or family name, and by the date a client was registered."""

    q: Annotated[str, Field(max_length=200)] = ""
    registered_from: Day | None = None
    registered_to: Day | None = None
    limit: Annotated[int, Field(ge=1)] = 50
    offset: Offset = 0


def search_clients(records: Records, actor: Actor, query: object = None) -> Page[ClientOut]:
    require(actor, Permission.READ)
    criteria = parse_page_query(records, ClientQuery, query)
    conditions: list[ColumnElement[bool]] = [
        Client.clinic_id == actor.clinic_id,
        Client.erased_at.is_(None),
    ]
    if criteria.registered_from:
        conditions.append(Client.created_at >= records.clock.start_of(criteria.registered_from))
    if criteria.registered_to:
        day_after = criteria.registered_to + dt.timedelta(days=1)
        conditions.append(Client.created_at < records.clock.start_of(day_after))
    name = _name_filter(criteria.q)
    if name is not None:
        conditions.append(name)
    # The matches are found first (each name range from its index) and sorted afterwards; as a
    # plain query PostgreSQL may instead walk the whole name index in order to skip the sort.
    matches = (
        select(Client.id, Client.family_key, Client.given_key)
        .where(*conditions)
        .cte("matches")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    with records.transaction() as db:
        total = db.scalar(select(func.count()).select_from(matches)) or 0
        order = (matches.c.family_key, matches.c.given_key, matches.c.id)
        page = select(matches).order_by(*order).limit(criteria.limit).offset(criteria.offset)
        shown = page.subquery("page")
        rows = db.scalars(
            select(Client)
            .join(shown, Client.id == shown.c.id)
            .order_by(shown.c.family_key, shown.c.given_key, shown.c.id)
        )
        items = [ClientOut.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=criteria.limit, offset=criteria.offset)


# Children before parents: scores and photos point at sessions, sessions and consents at plans,
# plans at intakes. Identifiers other systems gave the client go too, and the reminders queued
# for them and the record of messages sent.
_ERASE_ORDER = (
    Appointment,
    ScoreRecord,
    PhotoComparison,
    PhotoMeasurement,
    PhotoAnalysis,
    Photo,
    Consent,
    TreatmentSession,
    PlanRecord,
    Intake,
    ClientIdentifier,
    Job,
    Message,
)


def erase_client(records: Records, actor: Actor, client_id: int) -> None:
    """Right to erasure: remove personal data, clinical rows and photo files for good.

    The client is locked against every write for it first. A photo file goes when no remaining
    row uses it, decided under the file's own lock (which an upload of the same file takes too);
    the file is set aside in the transaction and deleted only once the erasure is committed.
    The audit row keeps the client's id and which kinds of data went, never the data.
    """
    require(actor, Permission.ERASE_CLIENT)
    set_aside: list[tuple[str, str]] = []
    renditions: list[str] = []
    try:
        with records.transaction() as db:
            client = live_client(db, actor, client_id, lock="exclusive")
            hashes = sorted(
                set(db.scalars(select(Photo.sha256).where(Photo.client_id == client_id)))
            )
            for model in _ERASE_ORDER:
                db.execute(delete(model).where(model.client_id == client_id))
            for digest in hashes:
                lock_key(db, f"photo:{digest}")
                if db.scalar(select(Photo.id).where(Photo.sha256 == digest).limit(1)) is None:
                    aside = records.photos.set_aside(digest)
                    if aside is not None:
                        set_aside.append((digest, aside))
                    made = select(PhotoRendition.sha256).where(
                        PhotoRendition.source_sha256 == digest
                    )
                    renditions += db.scalars(made)
                    db.execute(delete(PhotoRendition).where(PhotoRendition.source_sha256 == digest))
            for name in (*PERSONAL_FIELDS, "phototype", "given_key", "family_key"):
                setattr(client, name, None)
            client.contact_by_email = False
            client.erased_at = records.clock.now()
            client.erased_by = actor.user_id
            db.flush()
            audit(
                db,
                clinic_id=actor.clinic_id,
                actor_id=actor.user_id,
                action="client.erase",
                entity="client",
                entity_id=client_id,
                fields=[*PERSONAL_FIELDS, *(model.__tablename__ for model in _ERASE_ORDER)],
            )
    except BaseException:
        for digest, aside in set_aside:
            records.photos.put_back(digest, aside)
        raise
    for digest, aside in set_aside:
        records.photos.discard(digest, aside)
    # Renditions are copies made from the originals: removed after the commit (were the
    # erasure to fail, they would be made again when next asked for).
    for digest in renditions:
        records.photos.remove(digest)
    forget_erased(records.engine)
