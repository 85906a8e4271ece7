"""The planning contract: `PlanRequest` in, `Plan` out (see docs/plan-contract.md).

Codes are checked against the knowledge base, so a new contraindication or zone is a data row,
not a code change; an unknown code is a validation error that lists the allowed codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from microneedling.knowledge import Knowledge, load_knowledge
from microneedling.knowledge.models import Action, DeviceType, Evidence, Setting
from microneedling.scores.fitzpatrick_answers import FitzpatrickAnswers

MIN_NEEDLE_MM = 0.1
MAX_NEEDLE_MM = 3.0


def _known(section: Callable[[Knowledge], Mapping[str, object]], what: str) -> AfterValidator:
    """A validator that accepts only codes present in one section of the knowledge base."""

    def check(code: str) -> str:
        allowed = section(load_knowledge())
        if code not in allowed:
            raise PydanticCustomError(
                "unknown_code",
                "unknown {what} '{code}'",
                {"what": what, "code": code, "expected": ", ".join(allowed)},
            )
        return code

    return AfterValidator(check)


def _not_boolean(value: object) -> object:
    """JSON `true` is not 1: a boolean is never read as a number (revision 2)."""
    if isinstance(value, bool):
        raise PydanticCustomError("boolean_not_number", "a number is expected, not true or false")
    return value


NotBoolean = BeforeValidator(_not_boolean)

IndicationCode = Annotated[str, _known(lambda kb: kb.indications, "indication")]
ZoneCode = Annotated[str, _known(lambda kb: kb.zones, "zone")]
ConditionCode = Annotated[str, _known(lambda kb: kb.conditions, "condition")]
MedicationCode = Annotated[str, _known(lambda kb: kb.medications, "medication")]
ProcedureCode = Annotated[str, _known(lambda kb: kb.procedures, "procedure")]
ScarType = Annotated[str, _known(lambda kb: kb.scar_types, "scar type")]
TopicalCode = Annotated[str, _known(lambda kb: kb.topicals, "topical")]
ClaimId = Annotated[str, _known(lambda kb: kb.claims, "claim")]
Days = Annotated[int, Field(ge=0, le=36500), NotBoolean]


class Contract(BaseModel):
    """Base of the contract's models: immutable, unknown keys rejected, aliases on output."""

    model_config = ConfigDict(frozen=True, extra="forbid", serialize_by_alias=True)


def _check_variant(
    terms: Mapping[str, Any], code: str, variant: str | None, field: str = "variant"
) -> None:
    if variant is None:
        return
    allowed = terms[code].variants
    if variant not in allowed:
        raise PydanticCustomError(
            "unknown_variant",
            "'{variant}' is not a variant of '{code}'",
            {"variant": variant, "code": code, "expected": ", ".join(allowed) or "none"},
        )


class DeviceRequest(Contract):
    type: DeviceType
    needle_length_mm: (
        Annotated[float, Field(ge=MIN_NEEDLE_MM, le=MAX_NEEDLE_MM), NotBoolean] | None
    ) = None


class ConditionEntry(Contract):
    code: ConditionCode
    status: Literal["active", "history"]
    zones: list[ZoneCode] | None = None
    variant: str | None = None

    @model_validator(mode="after")
    def _variant(self) -> Self:
        _check_variant(load_knowledge().conditions, self.code, self.variant)
        return self


class MedicationEntry(Contract):
    code: MedicationCode
    status: Literal["current", "stopped"]
    days_since_stopped: Days | None = None

    @field_validator("days_since_stopped")
    @classmethod
    def _only_when_stopped(cls, days: int | None, info: ValidationInfo) -> int | None:
        if days is not None and info.data.get("status") == "current":
            raise PydanticCustomError(
                "days_with_current",
                "days_since_stopped is given only with status 'stopped'",
                {"expected": "stopped"},
            )
        return days


class ProcedureEntry(Contract):
    code: ProcedureCode
    days_ago: Days
    zones: list[ZoneCode] | None = None
    variant: str | None = None

    @model_validator(mode="after")
    def _variant(self) -> Self:
        _check_variant(load_knowledge().procedures, self.code, self.variant)
        return self


class ScreeningAnswers(Contract):
    age_years: Annotated[int, Field(ge=0, le=120), NotBoolean]
    fitzpatrick: Annotated[int, Field(ge=1, le=6), NotBoolean] | None = None
    fitzpatrick_answers: FitzpatrickAnswers | None = None
    pregnant: bool = False
    breastfeeding: bool = False
    conditions: list[ConditionEntry] = []
    medications: list[MedicationEntry] = []
    recent_procedures: list[ProcedureEntry] = []

    @model_validator(mode="after")
    def _one_phototype(self) -> Self:
        if (self.fitzpatrick is None) == (self.fitzpatrick_answers is None):
            raise PydanticCustomError(
                "phototype",
                "give exactly one of fitzpatrick (1-6) or fitzpatrick_answers",
                {"expected": "fitzpatrick, fitzpatrick_answers"},
            )
        return self


Severity = Literal["mild", "moderate", "severe"]


class Concern(Contract):
    indication: IndicationCode
    zones: Annotated[list[ZoneCode], Field(min_length=1)]
    severity: Severity | None = None
    scar_types: list[ScarType] = []

    @field_validator("zones")
    @classmethod
    def _each_zone_once(cls, zones: list[str]) -> list[str]:
        twice = sorted({zone for zone in zones if zones.count(zone) > 1})
        if twice:
            raise PydanticCustomError(
                "duplicate_zone", "zone '{zone}' is given twice", {"zone": ", ".join(twice)}
            )
        return zones

    @field_validator("scar_types")
    @classmethod
    def _scar_indication(cls, scar_types: list[str], info: ValidationInfo) -> list[str]:
        kb = load_knowledge()
        indication = kb.indications.get(info.data.get("indication", ""))
        if scar_types and indication is not None and not indication.accepts_scar_types:
            scars = [code for code, row in kb.indications.items() if row.accepts_scar_types]
            raise PydanticCustomError(
                "scar_types_not_scar",
                "scar types are given only for a scar indication, not '{indication}'",
                {"indication": indication.code, "expected": ", ".join(scars)},
            )
        return scar_types


class PlanRequest(Contract):
    setting: Setting
    device: DeviceRequest
    client: ScreeningAnswers
    concerns: Annotated[list[Concern], Field(min_length=1)]
    topicals: list[TopicalCode] = []
    claims: list[ClaimId] = []
    as_of: dt.date
    start_date: dt.date | None = None

    @field_validator("start_date")
    @classmethod
    def _not_before_as_of(cls, start: dt.date | None, info: ValidationInfo) -> dt.date | None:
        as_of = info.data.get("as_of")
        if start is not None and as_of is not None and start < as_of:
            raise PydanticCustomError(
                "start_before_as_of",
                "start_date {start} is before as_of {as_of}",
                {"start": str(start), "as_of": str(as_of)},
            )
        return start


# --- Plan -----------------------------------------------------------------------------------

Status = Literal["ok", "deferred", "refused"]
TreatmentStatus = Literal["planned", "deferred", "excluded"]


class Until(Contract):
    date: dt.date | None = None
    after_days: int | None = None
    condition: str | None = None


class Finding(Contract):
    code: str
    action: Action
    zones: list[str] | None
    until: Until | None = None
    reason: str
    references: list[str]


class DepthPlan(Contract):
    min: float
    max: float
    first_session: float


class Sessions(Contract):
    count: int
    interval_days: int | None
    review_up_to: int | None = None


class Source(Contract):
    """Where a planned number comes from: a knowledge-base row key and its evidence."""

    row: str
    evidence: list[Evidence]
    references: list[str]


class Treatment(Contract):
    indication: str
    zone: str
    status: TreatmentStatus
    blocked_by: list[str]
    depth_mm: DepthPlan | None
    sessions: Sessions | None
    passes: int | None
    passes_unit: str | None = None
    evidence: list[Evidence]
    references: list[str]
    sources: dict[str, Source] = {}


class ScheduledSession(Contract):
    session: int
    date: dt.date | None
    kind: Literal["test_spot", "treatment"]
    zones: list[str]
    depth_mm: dict[str, float]


class PlannedCombination(Contract):
    code: str
    for_: str = Field(alias="for")
    evidence: list[Evidence]
    references: list[str]
    note: str = ""


class PlannedReferral(Contract):
    code: str
    for_: str = Field(alias="for")
    reason: str
    references: list[str]


class CareItem(Contract):
    code: str
    text: str
    references: list[str]


class AftercareDays(Contract):
    from_day: int
    to_day: int
    do: list[str]
    avoid: list[str]
    references: list[str]


class PlanWarning(Contract):
    """A caution the plan carries: a code, the message and its references."""

    code: str
    message: str
    references: list[str]


class CitedReference(Contract):
    id: str
    citation: str
    evidence: list[Evidence]


class Plan(Contract):
    status: Status
    knowledge_version: str
    phototype: int
    findings: list[Finding]
    treatments: list[Treatment]
    schedule: list[ScheduledSession]
    combinations: list[PlannedCombination]
    referrals: list[PlannedReferral]
    pre_care: list[CareItem]
    aftercare: list[AftercareDays]
    warnings: list[PlanWarning]
    references: list[CitedReference]
