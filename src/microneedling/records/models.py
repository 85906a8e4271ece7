"""The clinic's records as SQLAlchemy 2 tables.

Two kinds of row. Clinics, users and clients are *mutable* and carry a version number for
optimistic locking. Clinical rows (intakes, consents, plans, sessions, photos, scores) are
*append-only*: a correction is a new row that `supersedes` the original and says why, and the
ORM refuses to update or delete them (only the owner's audited erasure of a client removes
them). The audit log holds ids, field names and actors, never personal values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    event,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    relationship,
)
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Json = JSON().with_variant(JSONB(), "postgresql")
# Name keys hold only ASCII letters, digits and spaces, so a byte-order ("C") collation gives
# PostgreSQL the same prefix ranges as SQLite and lets the index serve the search.
NameKey = String(200).with_variant(String(200, collation="C"), "postgresql")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Times stored in UTC and read back timezone-aware on every database (SQLite keeps no
    zone, so its naive values are UTC by construction)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("times must be timezone-aware")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy's declared mapping
        dt.datetime: UTCDateTime(),
        dict[str, Any]: Json,
        list[Any]: Json,
    }


class Clinic(Base):
    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # How clients reach the clinic: printed on handouts and documents.
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Versioned:
    """Mutable rows: a version number that every update must quote (optimistic locking)."""

    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now, onupdate=utc_now)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class User(Versioned, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Client(Versioned, Base):
    """A person under care. Personal fields are emptied when the client is erased."""

    __tablename__ = "clients"
    __table_args__ = (
        Index("ix_clients_clinic_family_key", "clinic_id", "family_key"),
        Index("ix_clients_clinic_given_key", "clinic_id", "given_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    given_key: Mapped[str | None] = mapped_column(NameKey)
    family_key: Mapped[str | None] = mapped_column(NameKey)
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    phototype: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    # Reminders go by e-mail only once the client's consent to be contacted is recorded.
    contact_by_email: Mapped[bool] = mapped_column(Boolean, server_default=false())
    erased_at: Mapped[dt.datetime | None] = mapped_column()
    erased_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Clinical:
    """Append-only clinical rows: who recorded them, and which earlier row they correct."""

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    amendment_reason: Mapped[str | None] = mapped_column(Text)

    @declared_attr
    def client_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))

    @declared_attr
    def created_by(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id"))

    @declared_attr
    def supersedes_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey(f"{cls.__tablename__}.id"))  # type: ignore[attr-defined]

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        name = cls.__tablename__  # type: ignore[attr-defined]
        return (
            Index(f"ix_{name}_client_created", "client_id", "created_at"),
            # A row is amended at most once, so two simultaneous amendments cannot fork history.
            Index(f"uq_{name}_supersedes_id", "supersedes_id", unique=True),
        )


class Intake(Clinical, Base):
    """Screening answers: the `client` part of a plan request, and what screening found."""

    __tablename__ = "intakes"

    answers: Mapped[dict[str, Any]] = mapped_column()
    findings: Mapped[list[Any]] = mapped_column()
    knowledge_version: Mapped[str] = mapped_column(String(32))


class PlanRecord(Clinical, Base):
    """A stored plan: the request, the plan and the knowledge-base version that made it."""

    __tablename__ = "plans"

    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intakes.id"))
    status: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    request: Mapped[dict[str, Any]] = mapped_column()
    plan: Mapped[dict[str, Any]] = mapped_column()
    knowledge_version: Mapped[str] = mapped_column(String(32))


class Consent(Clinical, Base):
    """What the client agreed to (or withdrew), in which version of the text, how, when and
    before whom: the signature images and a SHA-256 seal over all of it (services/consents.py
    says what the seal covers). Rows recorded before signing on screen carry no seal."""

    __tablename__ = "consents"

    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    scope: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(String(16), server_default="given")
    text_version: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    signer_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[dt.datetime] = mapped_column()
    method: Mapped[str] = mapped_column(String(32))
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    witness_name: Mapped[str | None] = mapped_column(String(200))
    witness_signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    record_sha256: Mapped[str | None] = mapped_column(String(64))


class TreatmentSession(Clinical, Base):
    """One session as delivered: device, cartridge lot, depth and passes per zone, reactions,
    its departures from plan and screening, and the confirmation and reason it was saved with."""

    __tablename__ = "sessions"

    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    performed_on: Mapped[dt.date] = mapped_column(Date, index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    device: Mapped[str] = mapped_column(String(16))
    device_model: Mapped[str | None] = mapped_column(String(120))
    cartridge: Mapped[str | None] = mapped_column(String(120))
    lot_number: Mapped[str | None] = mapped_column(String(64))
    single_use: Mapped[bool] = mapped_column(Boolean)
    zones: Mapped[list[Any]] = mapped_column()
    end_point: Mapped[str | None] = mapped_column(String(64))
    anaesthetic: Mapped[str | None] = mapped_column(String(120))
    topicals: Mapped[list[Any]] = mapped_column()
    immediate_reactions: Mapped[str | None] = mapped_column(Text)
    adverse_events: Mapped[list[Any]] = mapped_column()
    notes: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[Any]] = mapped_column()
    confirm_departures: Mapped[bool] = mapped_column(Boolean, server_default=false())
    departure_reason: Mapped[str | None] = mapped_column(Text)
    pre_session_changes: Mapped[list[Any] | None] = mapped_column()
    lot_uses: Mapped[list[SessionLot]] = relationship(
        order_by="SessionLot.id", lazy="selectin", cascade="save-update, merge"
    )

    @property
    def lot_ids(self) -> list[int]:
        """The lots used, a lot's id repeated for each unit (the session body's shape)."""
        return [use.lot_id for use in self.lot_uses for _ in range(use.quantity)]


class Product(Base):
    """An entry of a clinic's catalogue: what it is, who makes it and, for needles, their
    count and length."""

    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_clinic_kind_name", "clinic_id", "kind", "name", "manufacturer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    manufacturer: Mapped[str] = mapped_column(String(200))
    needle_count: Mapped[int | None] = mapped_column(Integer)
    needle_mm: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Lot(Base):
    """A lot of a product as received: its number, expiry, the units still in stock (never
    below zero, even under concurrent sessions) and whether it was recalled, when and why."""

    __tablename__ = "lots"
    __table_args__ = (
        Index("ix_lots_clinic_lot_number", "clinic_id", "lot_number"),
        Index("uq_lots_product_id_lot_number", "product_id", "lot_number", unique=True),
        CheckConstraint("quantity_in_stock >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_number: Mapped[str] = mapped_column(String(64))
    expires_on: Mapped[dt.date] = mapped_column(Date)
    quantity_in_stock: Mapped[int] = mapped_column(Integer)
    recalled: Mapped[bool] = mapped_column(Boolean, default=False)
    recalled_on: Mapped[dt.date | None] = mapped_column(Date)
    recall_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)


class SessionLot(Base):
    """The units of a lot a session used: written with the session, never changed."""

    __tablename__ = "session_lots"
    __table_args__ = (
        Index("uq_session_lots_session_id_lot_id", "session_id", "lot_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    lot: Mapped[Lot] = relationship(lazy="joined", innerjoin=True)


class Photo(Clinical, Base):
    """A photo's metadata; the file is stored once under its SHA-256."""

    __tablename__ = "photos"

    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    zone: Mapped[str | None] = mapped_column(String(32))
    view: Mapped[str] = mapped_column(String(32))
    lighting: Mapped[str | None] = mapped_column(String(64))
    taken_on: Mapped[dt.date] = mapped_column(Date)
    consent_to_use: Mapped[bool] = mapped_column(Boolean)
    # What the quality check found at upload (plain-word reasons), and whether the clinician
    # chose to keep the photo anyway.
    quality_problems: Mapped[list[Any]] = mapped_column(server_default="[]")
    quality_confirmed: Mapped[bool] = mapped_column(Boolean, server_default=false())


class PhotoRendition(Base):
    """A smaller copy of a stored photo file (a thumbnail, a screen-size version), itself
    stored by its SHA-256. Derived data keyed by the original's hash, so every record of the
    same file shares it and a lost one is simply made again."""

    __tablename__ = "photo_renditions"
    __table_args__ = (
        Index("ix_photo_renditions_source_kind", "source_sha256", "kind", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)


class PhotoAnalysis(Base):
    """Where the background measurement of one photo stands (queued, running, done, failed),
    and what the face and its alignment points were, for the before/after view."""

    __tablename__ = "photo_analyses"

    photo_id: Mapped[int] = mapped_column(
        ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)
    face: Mapped[dict[str, Any] | None] = mapped_column(Json)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class PhotoMeasurement(Base):
    """One measure of one zone of one photo, with the minimal detectable change (MDC95) it is
    judged against. Derived from the photo; recomputing it replaces these rows."""

    __tablename__ = "photo_measurements"
    __table_args__ = (
        Index(
            "ix_photo_measurements_photo_zone_measure", "photo_id", "zone", "measure", unique=True
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    zone: Mapped[str] = mapped_column(String(32))
    measure: Mapped[str] = mapped_column(String(32))
    value: Mapped[float | None] = mapped_column(Float)
    mdc: Mapped[float | None] = mapped_column(Float)
    measured_at: Mapped[dt.datetime] = mapped_column()


class PhotoComparison(Base):
    """Two photos compared as `compare` does (one set of zone masks, aligned, colour-matched):
    where the background comparison stands and, once done, the change per zone and measure
    with the MDC95 it was judged against. Derived from both photos; amending either drops it."""

    __tablename__ = "photo_comparisons"
    __table_args__ = (Index("ix_photo_comparisons_pair", "before_id", "after_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    before_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    after_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(Json)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class ScoreRecord(Clinical, Base):
    """A scoring instrument's answers and result, as the instrument computed them."""

    __tablename__ = "scores"

    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"))
    instrument: Mapped[str] = mapped_column(String(32))
    scored_on: Mapped[dt.date] = mapped_column(Date)
    answers: Mapped[dict[str, Any]] = mapped_column()
    result: Mapped[dict[str, Any]] = mapped_column()
    value: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(120))


class AuditEntry(Base):
    """Who did what to which row, naming fields but never their personal values."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_clinic_at", "clinic_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    fields: Mapped[list[Any]] = mapped_column()
    at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    # Who ran a command on the whole database (upgrade, backup, restore): no clinic's user.
    operator: Mapped[str | None] = mapped_column(String(128))


class LoginAttempt(Base):
    """Recent log-in attempts per e-mail and client address digest: the rate limits every
    worker sees alike, and the addresses an account was last entered from."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_digest_at", "email_digest", "at"),
        Index("ix_login_attempts_address_at", "address_digest", "at"),
        Index("ix_login_attempts_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email_digest: Mapped[str] = mapped_column(String(64))
    address_digest: Mapped[str | None] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Installation(Base):
    """This installation's identity: a random UUID made once at first start and kept, so that
    the FHIR ids it derives stay stable here and never collide with another installation's."""

    __tablename__ = "installation"

    singleton: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # always 1
    uuid: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class ClientIdentifier(Base):
    """An identifier another system gave a client (FHIR `Patient.identifier`), kept from an
    import so that importing the same person again finds the client instead of a duplicate."""

    __tablename__ = "client_identifiers"
    __table_args__ = (
        Index(
            "ix_client_identifiers_clinic_system_value", "clinic_id", "system", "value", unique=True
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    system: Mapped[str] = mapped_column(String(500))
    value: Mapped[str] = mapped_column(String(200))


class IdempotencyKey(Base):
    """A request sent with a key its sender chose (an API `Idempotency-Key`, a page form's
    one-time token) and the response it got, so a repeat answers the same and saves nothing.
    A row without a status is a request still being handled."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_owner_key", "owner", "key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(2000))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column()


class PhotoBlob(Base):
    """One chunk of a photo file in the database photo store, under the file's SHA-256 (or,
    while an erasure is not yet committed, the name it was set aside under)."""

    __tablename__ = "photo_blobs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    chunk: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Room(Versioned, Base):
    """A treatment room of a clinic, named by the owner; a booking holds one room."""

    __tablename__ = "rooms"
    __table_args__ = (Index("ix_rooms_clinic_name", "clinic_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Appointment(Versioned, Base):
    """A booking: a client with a practitioner in a room for a time, and the plan session it
    fulfils. Mutable (rescheduled, completed, cancelled with a reason); every change audited.
    `ends_at` is kept beside the duration so a clash is one indexed range query."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_clinic_starts", "clinic_id", "starts_at"),
        Index("ix_appointments_practitioner_starts", "practitioner_id", "starts_at"),
        Index("ix_appointments_room_starts", "room_id", "starts_at"),
        Index("ix_appointments_client_starts", "client_id", "starts_at"),
        Index("ix_appointments_plan_session_starts", "plan_id", "plan_session", "starts_at"),
        # The week's plan bookings, for the today page's "to move": read from the index alone.
        Index(
            "ix_appointments_clinic_planned_starts",
            "clinic_id",
            "starts_at",
            "plan_id",
            "plan_session",
            "client_id",
            "status",
            postgresql_where=text("plan_id IS NOT NULL"),
            sqlite_where=text("plan_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    starts_at: Mapped[dt.datetime] = mapped_column()
    ends_at: Mapped[dt.datetime] = mapped_column()
    duration_minutes: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    plan_session: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="booked")
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CourseDue(Base):
    """A session still to come in a client's current course, dated by the course's rule from
    the sessions done (services/course_due.py rewrites a client's rows in the transaction that
    saves their plan or session). The today page reads who is due from here instead of
    recomputing every course; the rows hold no personal data and go with the plan."""

    __tablename__ = "course_due"
    __table_args__ = (
        Index("ix_course_due_clinic_next_due", "clinic_id", "is_next", "due_on"),
        Index("ix_course_due_client_id", "client_id"),
        Index("ix_course_due_plan_session", "plan_id", "session"),
    )

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    session: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    is_next: Mapped[bool] = mapped_column(Boolean)


class HeldFinding(Base):
    """A finding of a client's current intake that can hold treatment back (defer, clinician
    only, refuse), with its deferral's end day: the today page's open findings and deferrals
    ending, read through an index (services/awaiting.py rewrites them when an intake is
    saved)."""

    __tablename__ = "held_findings"
    __table_args__ = (
        Index("ix_held_findings_clinic_action_until", "clinic_id", "action", "until_on"),
    )

    intake_id: Mapped[int] = mapped_column(
        ForeignKey("intakes.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    until_on: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)


class AwaitingFollowUp(Base):
    """A current session with adverse events whose follow-up is not recorded yet, and those
    events: the today page's list, kept when a session is saved (services/awaiting.py)."""

    __tablename__ = "awaiting_follow_ups"
    __table_args__ = (
        Index("ix_awaiting_follow_ups_clinic_performed", "clinic_id", "performed_on"),
    )

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    performed_on: Mapped[dt.date] = mapped_column(Date)
    events: Mapped[list[Any]] = mapped_column()


class CalendarFeed(Base):
    """A practitioner's secret calendar feed: only the SHA-256 of its token is kept, so the
    database alone never opens the feed; renewing replaces the row, revoking removes it."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Job(Base):
    """A unit of work the worker runs later and at least once: a reminder to send, later a
    photo to analyse. `key` is unique, so the same work is never queued twice; a claimed job
    is leased to one worker until `locked_until`, after which another may take it over."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_run_at", "state", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column()
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    run_at: Mapped[dt.datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(200))
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column()


class Message(Base):
    """A message sent to a client, written in the transaction that finishes its job: `key`
    is unique, so one message is recorded (and delivered) at most once. No address or text is
    kept, only what was sent when, under which subject and `Message-ID`."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(255))
    sent_at: Mapped[dt.datetime] = mapped_column()


CLINICAL_MODELS: tuple[type[Clinical], ...] = (
    Intake,
    PlanRecord,
    Consent,
    TreatmentSession,
    Photo,
    ScoreRecord,
)


class AppendOnlyError(RuntimeError):
    """A clinical row was about to be changed in place; amend it instead."""


@event.listens_for(Session, "before_flush")
def _refuse_changing_clinical_rows(session: Session, _context: object, _instances: object) -> None:
    """Clinical rows are written once: corrections are amendments, removal is client erasure."""
    changed = [row for row in session.dirty if session.is_modified(row)]
    for row in [*changed, *session.deleted]:
        if isinstance(row, Clinical):
            raise AppendOnlyError(f"{type(row).__name__} {row.id} is append-only; amend it")
