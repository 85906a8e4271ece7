"""Sessions as delivered: device, cartridge and lot, single-use confirmation, needle length and
passes per zone, end-point, anaesthetic, topicals, reactions and adverse events.

The session gate: a new session is checked against its plan and the client's latest intake
(clinical/session_check.py). One that departs from either is saved only when the departures are
confirmed with a reason; both are kept on the record beside the departures themselves. A
session whose pre-session answers report a change waits for a new intake (pre_session.py). An
amendment corrects the record of a session already done, so it is checked and never refused.
`check_session` gives the same answer without saving, for the pages' live checks."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from microneedling.clinical.models import (
    MAX_NEEDLE_MM,
    MIN_NEEDLE_MM,
    Finding,
    Plan,
    Severity,
    TopicalCode,
    ZoneCode,
)
from microneedling.clinical.session_check import (
    Departure,
    LoggedSession,
    LoggedZone,
    session_warnings,
)
from microneedling.knowledge import load_knowledge
from microneedling.knowledge.models import DeviceType
from microneedling.records.audit import audit
from microneedling.records.models import (
    Appointment,
    Clinical,
    Intake,
    SessionLot,
    TreatmentSession,
    User,
)
from microneedling.services.access import Actor, Permission, require
from microneedling.services.awaiting import refresh_follow_ups
from microneedling.services.clients import live_client
from microneedling.services.clinical_records import (
    ClinicalOut,
    RecordKind,
    current_rows,
    in_words,
    is_current,
)
from microneedling.services.clock import Clock
from microneedling.services.common import Input, Output, Records, RowId, dump, owned, parse
from microneedling.services.course_due import refresh_course_due
from microneedling.services.errors import DeparturesFound
from microneedling.services.lot_use import LotUse, checked_lots, use_lots
from microneedling.services.plans import PLAN
from microneedling.services.pre_session import Change, require_intake_after_changes
from microneedling.services.reminders import schedule_after_session

ShortText = Annotated[str, Field(max_length=120)]
# A bound on the input, not a clinical rule: more units than any session uses.
MAX_LOT_UNITS = 50
LongText = Annotated[str, Field(max_length=4000)]


class ZoneLog(Input):
    zone: ZoneCode
    needle_mm: Annotated[float, Field(ge=MIN_NEEDLE_MM, le=MAX_NEEDLE_MM)]
    passes: Annotated[int, Field(ge=1, le=30)] | None = None


class AdverseEvent(Input):
    event: Annotated[str, Field(min_length=1, max_length=200)]
    severity: Severity
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
    confirm_departures: bool = False
    departure_reason: LongText | None = None
    pre_session_changes: list[Change] | None = Field(
        default=None,
        description="What changed since the last visit (the pre-session questions); "
        "[] when nothing did, absent when not asked",
    )
    lot_ids: Annotated[list[RowId], Field(max_length=MAX_LOT_UNITS)] = Field(
        default_factory=list,
        description="The catalogue's lots used, an id repeated for each further unit",
    )


class UsedLot(Output):
    """A lot the session used, as the record shows it: which lot, of what, how many units."""

    lot_id: int
    lot_number: str
    product: str
    quantity: int

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, value: Any) -> Any:
        if isinstance(value, SessionLot):
            return {
                "lot_id": value.lot_id,
                "lot_number": value.lot.lot_number,
                "product": value.lot.product.name,
                "quantity": value.quantity,
            }
        return value


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
    confirm_departures: bool
    departure_reason: str | None
    pre_session_changes: list[str] | None
    lot_ids: list[int]
    lots: list[UsedLot] = Field(validation_alias="lot_uses")


def _nearest_session_on(
    db: Session, plan_id: int, day: dt.date, original: Clinical | None
) -> dt.date | None:
    """The day of the plan's current (not amended) session nearest this one, before or after."""
    query = select(TreatmentSession.performed_on).where(
        TreatmentSession.plan_id == plan_id, is_current(TreatmentSession)
    )
    if original is not None:
        query = query.where(TreatmentSession.id != original.id)
    return min(db.scalars(query), key=lambda other: abs((other - day).days), default=None)


def _latest_findings(db: Session, client_id: int) -> list[Finding]:
    """What the client's latest current intake found (none without an intake)."""
    intakes = current_rows(db, Intake, client_id)
    return [Finding.model_validate(f) for f in intakes[-1].findings] if intakes else []


def _departures(
    db: Session, actor: Actor, client_id: int, data: SessionIn, original: Clinical | None
) -> list[Departure]:
    """How the session departs from its plan, its latest screening and safe practice."""
    plan: Plan | None = None
    nearest_on = None
    if data.plan_id is not None:
        record = PLAN.of_client(db, actor, data.plan_id, client_id)
        plan = Plan.model_validate(record.plan)
        nearest_on = _nearest_session_on(db, record.id, data.performed_on, original)
    logged = LoggedSession(
        performed_on=data.performed_on,
        zones=[LoggedZone(z.zone, z.needle_mm) for z in data.zones],
        single_use=data.single_use,
        topicals=data.topicals,
    )
    findings = _latest_findings(db, client_id)
    return session_warnings(logged, plan, nearest_on, load_knowledge(), findings)


class SessionCheck(Output):
    """The departures a session would carry; saving it needs them confirmed with a reason."""

    departures: list[Departure]


def check_session(records: Records, actor: Actor, client_id: int, data: object) -> SessionCheck:
    """The departures this session would carry, saving nothing (the live checks)."""
    require(actor, Permission.LOG_SESSION)
    parsed = parse(SessionIn, data)
    SESSION.check_dates(parsed, records.clock)
    with records.transaction() as db:
        live_client(db, actor, client_id)
        _checked_lots(db, actor, parsed)
        return SessionCheck(departures=_departures(db, actor, client_id, parsed, None))


def _checked_lots(db: Session, actor: Actor, data: SessionIn) -> list[LotUse]:
    depths = [zone.needle_mm for zone in data.zones]
    return checked_lots(db, actor, data.lot_ids, data.performed_on, depths)


def _gate(departures: list[Departure], data: SessionIn) -> None:
    """Refuse a new session with departures unless they are confirmed with a reason."""
    if departures and not (data.confirm_departures and data.departure_reason):
        raise DeparturesFound(departures)


def _build(
    db: Session,
    actor: Actor,
    client_id: int,
    data: SessionIn,
    original: TreatmentSession | None,
    _clock: Clock,
) -> TreatmentSession:
    if original is None:
        changes = data.pre_session_changes
        require_intake_after_changes(db, client_id, data.plan_id, changes)
    lots = _checked_lots(db, actor, data) if original is None else []
    warnings = _departures(db, actor, client_id, data, original)
    if original is None:
        _gate(warnings, data)
    operator_id = data.operator_id if data.operator_id is not None else actor.user_id
    if operator_id is not None:
        owned(db, actor, User, operator_id, "user")
    fields = data.model_dump(mode="json", exclude={"operator_id", "performed_on", "lot_ids"})
    session = TreatmentSession(
        clinic_id=actor.clinic_id,
        client_id=client_id,
        created_by=actor.user_id,
        operator_id=operator_id,
        performed_on=data.performed_on,
        warnings=[dump(warning) for warning in warnings],
        **fields,
    )
    if original is None:
        use_lots(db, session, lots)
    else:  # an amendment corrects the record; the units were used once, by the original
        for use in original.lot_uses:
            session.lot_uses.append(SessionLot(lot_id=use.lot_id, quantity=use.quantity))
    return session


def _complete_booking(db: Session, actor: Actor, row: TreatmentSession, clock: Clock) -> None:
    """The session fulfils the client's booked session appointment of that day (the clinic's
    day), the one for the same plan first."""
    start = dt.datetime.combine(row.performed_on, dt.time(), tzinfo=clock.time_zone)
    end = start + dt.timedelta(days=1)
    booking = db.scalar(
        select(Appointment)
        .where(
            Appointment.client_id == row.client_id,
            Appointment.status == "booked",
            Appointment.kind.in_(("test_spot", "treatment_session")),
            Appointment.starts_at >= start.astimezone(dt.UTC),
            Appointment.starts_at < end.astimezone(dt.UTC),
        )
        .order_by((Appointment.plan_id == row.plan_id).desc(), Appointment.starts_at)
        .limit(1)
    )
    if booking is None:
        return
    booking.status, booking.session_id = "completed", row.id
    db.flush()
    audit(
        db,
        clinic_id=actor.clinic_id,
        actor_id=actor.user_id,
        action="appointment.complete",
        entity="appointment",
        entity_id=booking.id,
        fields=["status", "session_id"],
    )


def _summary(row: TreatmentSession) -> tuple[dt.date, str]:
    zones = ", ".join(f"{in_words([z['zone']])} {z['needle_mm']:g} mm" for z in row.zones)
    departures = in_words([w["code"] for w in row.warnings]).lower()
    flagged = f"; departures: {departures}" if row.warnings else ""
    return row.performed_on, f"session ({row.device}): {zones}{flagged}"


def _date_and_follow(db: Session, actor: Actor, row: Clinical) -> None:
    """A session written dates its course again and may await a follow-up."""
    refresh_course_due(db, actor, row)
    refresh_follow_ups(db, actor, row)


SESSION = RecordKind(
    entity="session",
    plural="sessions",
    title="Treatment session",
    model=TreatmentSession,
    input_model=SessionIn,
    output_model=SessionOut,
    permission=Permission.LOG_SESSION,
    build=_build,
    summary=_summary,
    amendable=True,
    not_after_today=("performed_on",),
    fixed=frozenset({"lot_ids"}),
    after_save=_complete_booking,
    after_write=_date_and_follow,
    after_record=schedule_after_session,
)
