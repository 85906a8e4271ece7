"""What every use case shares: the records it works on, input parsing that names fields,
clinic-scoped lookups and pages of results."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from microneedling.config import Settings
from microneedling.errors import from_validation_error
from microneedling.records.database import engine_for, session_factory, transaction
from microneedling.records.photo_store import PhotoStore
from microneedling.services.access import Actor
from microneedling.services.errors import NotFound

M = TypeVar("M", bound=BaseModel)
Row = TypeVar("Row")

# The largest value an INTEGER column holds on PostgreSQL (SQLite's are wider): ids, offsets and
# counts beyond it are refused at the input, never sent to the database.
DB_INT_MAX = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=DB_INT_MAX)]
Offset = Annotated[int, Field(ge=0, le=DB_INT_MAX)]


@dataclass(frozen=True)
class Records:
    """The database, the photo store and the settings a use case works on."""

    sessions: sessionmaker[Session]
    photos: PhotoStore
    settings: Settings

    @classmethod
    def open(cls, settings: Settings) -> Records:
        return cls(session_factory(engine_for(settings)), PhotoStore(settings.photo_dir), settings)

    @property
    def engine(self) -> Engine:
        engine: Engine = self.sessions.kw["bind"]
        return engine

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with transaction(self.sessions) as db:
            yield db


class Input(BaseModel):
    """Input to a use case: unknown fields are errors, text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Output(BaseModel):
    """A record as a use case returns it, read from the table's attributes."""

    model_config = ConfigDict(from_attributes=True, frozen=True)


def parse(model: type[M], data: object, prefix: str = "") -> M:
    """Validate input into `model`, or raise an `InputError` naming each bad field."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise from_validation_error(error).within(prefix) from None


def violates_unique(error: IntegrityError, column: str) -> bool:
    """Whether an insert failed because another transaction committed the same `column` value
    first (SQLite and PostgreSQL both name the column in their message)."""
    return column in str(error.orig)


def owned(db: Session, actor: Actor, model: type[Row], record_id: int, entity: str) -> Row:
    """The record with this id in the actor's clinic; another clinic's record is not found, nor
    is an id no row can have."""
    if not 1 <= record_id <= DB_INT_MAX:
        raise NotFound(entity, record_id)
    row = db.get(model, record_id)
    if row is None or getattr(row, "clinic_id", None) != actor.clinic_id:
        raise NotFound(entity, record_id)
    return row


class Page(BaseModel, Generic[M]):
    """One page of results and the total that match."""

    items: list[M]
    total: int
    limit: int
    offset: int


def dump(model: BaseModel) -> dict[str, Any]:
    """A model as JSON-ready data for a JSON column."""
    return model.model_dump(mode="json", by_alias=True)
