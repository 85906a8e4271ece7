"""What every use case shares: the records it works on, input parsing that names fields,
clinic-scoped lookups and pages of results."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, TypeVar, get_args, get_origin
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from microneedling.config import Settings
from microneedling.errors import FieldProblem, InputError, from_validation_error
from microneedling.records.database import engine_for, session_factory, transaction
from microneedling.records.models import AppendOnlyError
from microneedling.records.photo_store import PhotoStore, open_photo_store
from microneedling.services.access import Actor
from microneedling.services.clock import Clock
from microneedling.services.errors import Conflict, NotFound

M = TypeVar("M", bound=BaseModel)
Table = TypeVar("Table")  # a mapped class of records/models.py

# The largest value an INTEGER column holds on PostgreSQL (SQLite's are wider): ids, offsets and
# counts beyond it are refused at the input, never sent to the database.
DB_INT_MAX = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=DB_INT_MAX)]
Offset = Annotated[int, Field(ge=0, le=DB_INT_MAX)]
# Dates a record can refer to: wide enough for any course, narrow enough that a schedule or a
# "day after" never runs past the calendar's end (9999-12-31).
Day = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2999, 12, 31))]

# Control characters: never in any text (PostgreSQL refuses NUL outright), and in one-line text
# (a name, a lot number) not even tab or newline.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAKS = re.compile(r"[\t\n\r]")
ONE_LINE_MAX = 200


@dataclass(frozen=True)
class Records:
    """The database, the photo store, the settings and the clock a use case works on."""

    sessions: sessionmaker[Session]
    photos: PhotoStore
    settings: Settings
    clock: Clock = field(default_factory=Clock)

    @classmethod
    def open(cls, settings: Settings, clock: Clock | None = None) -> Records:
        clock = clock or Clock(ZoneInfo(settings.time_zone))
        engine = engine_for(settings)
        return cls(session_factory(engine), open_photo_store(settings), settings, clock)

    @property
    def engine(self) -> Engine:
        engine: Engine = self.sessions.kw["bind"]
        return engine

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work; a stale version or an in-place change of a clinical row leaves it
        as the services' `Conflict` (`persistence_conflicts`)."""
        with persistence_conflicts(), transaction(self.sessions) as db:
            yield db


class Input(BaseModel):
    """Input to a use case: unknown fields are errors, text is trimmed, and text up to
    `ONE_LINE_MAX` characters is one line."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: object, info: ValidationInfo) -> object:
        """No control characters in any text, and no line break in one-line text."""
        if next(_control_paths(value), None) is not None:
            raise ValueError("contains a control character")
        if isinstance(value, str) and info.field_name and LINE_BREAKS.search(value):
            limit = _max_length(cls.model_fields[info.field_name].annotation)
            limit = limit or _max_length_of(cls.model_fields[info.field_name].metadata)
            if limit is not None and limit <= ONE_LINE_MAX:
                raise ValueError("must be one line (no tab or line break)")
        return value


def _max_length(annotation: object) -> int | None:
    """The `max_length` a (possibly optional, annotated) string type declares."""
    if get_origin(annotation) is Annotated:
        return _max_length_of(get_args(annotation)[1:])
    limits = [_max_length(arg) for arg in get_args(annotation)]
    return min((limit for limit in limits if limit is not None), default=None)


def _max_length_of(rules: Iterable[object]) -> int | None:
    for rule in rules:
        limit = getattr(rule, "max_length", None)
        if limit is None and isinstance(rule, FieldInfo):
            limit = _max_length_of(rule.metadata)
        if limit is not None:
            return int(limit)
    return None


class Output(BaseModel):
    """A record as a use case returns it, read from the table's attributes."""

    model_config = ConfigDict(from_attributes=True, frozen=True)


def parse(
    model: type[M], data: object, prefix: str = "", context: Mapping[str, Any] | None = None
) -> M:
    """Validate input into `model`, or raise an `InputError` naming each bad field.

    `context` carries what a validator needs beyond the input (the clinic's today); a model
    validated without it (an API body) is validated again with it."""
    if isinstance(data, model):
        if context is None:
            return data
        data = data.model_dump(exclude_unset=True)
    controls = [FieldProblem(path, "contains a control character") for path in _control_paths(data)]
    if controls:
        raise InputError(controls).within(prefix)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        raise from_validation_error(error).within(prefix) from None


def _control_paths(data: object, path: str = "") -> Iterator[str]:
    """Where control characters hide in input, at any depth (keys included)."""
    if isinstance(data, str):
        if CONTROL.search(data):
            yield path or "(request)"
    elif isinstance(data, dict):
        for key, value in data.items():
            inner = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and CONTROL.search(key):
                yield path or "(request)"
            else:
                yield from _control_paths(value, inner)
    elif isinstance(data, BaseModel):
        yield from _control_paths(dict(data), path)
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            yield from _control_paths(value, f"{path}[{index}]")


def violates_unique(error: IntegrityError, column: str) -> bool:
    """Whether an insert failed because another transaction committed the same `column` value
    first (SQLite and PostgreSQL both name the column in their message)."""
    return column in str(error.orig)


STALE_MESSAGE = "the record was changed by someone else meanwhile; reload it and try again"


@contextmanager
def persistence_conflicts() -> Iterator[None]:
    """The ORM's refusals as the services' `Conflict`, so no caller sees SQLAlchemy: a version
    that moved on meanwhile (stale) and a clinical row changed in place (append-only). A unique
    value another writer took first is told apart where it is written (`violates_unique`)."""
    try:
        yield
    except StaleDataError as error:
        raise Conflict(STALE_MESSAGE) from error
    except AppendOnlyError as error:
        raise Conflict(str(error)) from error


def owned(
    db: Session, actor: Actor, model: type[Table], record_id: int, entity: str, **get: Any
) -> Table:
    """The record with this id in the actor's clinic; another clinic's record is not found, nor
    is an id no row can have."""
    if not 1 <= record_id <= DB_INT_MAX:
        raise NotFound(entity, record_id)
    row = db.get(model, record_id, **get)
    if row is None or getattr(row, "clinic_id", None) != actor.clinic_id:
        raise NotFound(entity, record_id)
    return row


def parse_page_query(records: Records, model: type[M], query: object) -> M:
    """A list's query, with `limit` at most the `page_size_max` setting."""
    criteria = parse(model, query or {})
    limit = getattr(criteria, "limit", 0)
    if limit > records.settings.page_size_max:
        raise InputError.one("limit", f"must be {records.settings.page_size_max} or less")
    return criteria


class Page(BaseModel, Generic[M]):
    """One page of results and the total that match."""

    items: list[M]
    total: int
    limit: int
    offset: int


def dump(model: BaseModel) -> dict[str, Any]:
    """A model as JSON-ready data for a JSON column."""
    return model.model_dump(mode="json", by_alias=True)
