"""Typed rows of the knowledge base.

Every clinical number sits in a `Sourced` row that carries its evidence grade and at least one
reference id; the loader checks that each id exists. Citations come in two kinds: `references`
report the number or rule (with a `quote` of what they report), `background` is related reading
that does not; a number no reference reports is graded `derived` and cites `expert_default`.
Depths are capped at 3.0 mm here, so a typo such as `25` for `2.5` fails when the package
loads, not when a client is treated.

Annotations here are real types, not postponed strings (no `from __future__ import
annotations`): pydantic then has no strings to evaluate when the classes are created, which is
part of every CLI start. Define a type before a row uses it.
"""

from datetime import date
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Evidence = Literal[
    "rct",
    "sr",
    "consensus",
    "case_series",
    "derived",
    "animal",
    "laboratory",
    "review",
    "instrument",
    "anatomy",
]
Setting = Literal["clinic", "home"]
Action = Literal["refuse", "defer", "clinician_only", "precaution", "warn"]
Verdict = Literal["supported", "partly_supported", "not_supported", "unsafe"]
DeviceType = Literal["pen", "roller", "stamp"]

MAX_DEPTH_MM = 3.0
DepthMm = Annotated[float, Field(gt=0, le=MAX_DEPTH_MM)]
Days = Annotated[int, Field(ge=0, le=3650)]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
RefIds = Annotated[list[str], Field(min_length=1)]
EvidenceList = Annotated[list[Evidence], Field(min_length=1)]


class KnowledgeRow(BaseModel):
    """Base of every knowledge-base row: immutable and strict about unknown keys."""

    # Validators are built on first use: a start from the compiled copy validates nothing.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Cited(KnowledgeRow):
    """Where a number or rule comes from, split so a reader can check each citation.

    `references` are the sources that report it, `quote` is what they report (or the table or
    page), and `background` is related reading that does not state it.
    """

    evidence: EvidenceList
    references: list[str] = []
    background: list[str] = []
    quote: str = ""


class Sourced(Cited):
    """A number's provenance: how strong the evidence is and where it comes from."""

    references: RefIds


class DepthRange(Sourced):
    """A needle-length range in millimetres."""

    min: DepthMm
    max: DepthMm

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class CountRange(Sourced):
    """A whole-number range (sessions, days); `min` is the planned default, `max` the review cap."""

    min: Annotated[int, Field(ge=0, le=3650)]
    max: Annotated[int, Field(ge=0, le=3650)]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class DepthValue(Sourced):
    mm: DepthMm


class DaysValue(Sourced):
    days: Days


class CountValue(Sourced):
    count: Annotated[int, Field(ge=0, le=100)]


class Term(KnowledgeRow):
    """A vocabulary code's display name and the qualifiers (`variant`) it accepts."""

    name: str
    variants: list[str] = []
    references: list[str] = []


class Reference(KnowledgeRow):
    id: Code
    citation: str
    pmid: str | None = None
    doi: str | None = None
    evidence: EvidenceList


class Zone(KnowledgeRow):
    code: Code
    name: str
    facial: bool
    thickness: str
    notes: str = ""
    clinic_cap: DepthValue
    home_cap: DepthValue | None = None
    home_exclusion: Sourced | None = None

    @model_validator(mode="after")
    def _home_rule(self) -> Self:
        if (self.home_cap is None) == (self.home_exclusion is None):
            raise ValueError("give exactly one of home_cap or home_exclusion")
        if self.home_cap and self.home_cap.mm > self.clinic_cap.mm:
            raise ValueError("home_cap is above clinic_cap")
        return self


class Answer(KnowledgeRow):
    """How the planner answers a request it must not plan (refusal or referral)."""

    reason: str
    references: list[str] = []
    referrals: list[Code] = []
    claim: Code | None = None


class Indication(KnowledgeRow):
    code: Code
    name: str
    evidence: EvidenceList
    zones: list[Code]
    zones_except: list[Code] = []
    zones_source: Sourced | None = None
    depth_mm: DepthRange | None = None
    first_session: DepthValue | None = None
    sessions: CountRange | None = None
    interval_days: CountRange | None = None
    combinations: list[Code] = []
    adjunct_only: bool = False
    accepts_scar_types: bool = False
    delivery: bool = False
    visible: str = ""
    visible_source: Sourced | None = None
    outcome_measures: list[str] = []
    notes: str = ""
    answer: Answer | None = None

    @model_validator(mode="after")
    def _plannable_or_answered(self) -> Self:
        if self.answer is None and (self.depth_mm is None or self.zones_source is None):
            raise ValueError("a plannable indication needs depth_mm and zones_source")
        return self


class Passes(Sourced):
    min: Annotated[int, Field(ge=1, le=50)]
    max: Annotated[int, Field(ge=1, le=50)]
    unit: str


class Device(KnowledgeRow):
    type: DeviceType
    name: str
    passes: Passes | None = None
    notes: str = ""


class Contraindication(Cited):
    """One screening rule. Several rows may share a code (one per action or setting)."""

    code: Code
    trigger: Literal[
        "condition",
        "medication",
        "procedure",
        "pregnancy",
        "breastfeeding",
        "age",
        "indication",
        "scar_type",
    ]
    action: Action
    scope: Literal["global", "zone", "face", "treated"] = "global"
    settings: list[Setting] = ["clinic", "home"]
    statuses: list[Literal["active", "history", "current", "stopped"]] = []
    variants: list[str] = []
    zones: list[Code] = []
    indications: list[Code] = []
    indications_except: list[Code] = []
    with_combinations: list[Code] = []
    scar_types: list[Code] = []
    withholds: list[Code] = []
    age_below_years: int | None = None
    age_from_years: int | None = None
    wait: DaysValue | None = None
    until_condition: str | None = None
    depth_cap: DepthValue | None = None
    test_spot: bool = False
    adds_combination: Code | None = None
    adds_referral: Code | None = None
    reason: str


class Combination(Cited):
    code: Code
    name: str
    kind: Literal["drug", "procedure", "biologic"]
    note: str = ""
    delivery: bool = False


class Referral(Cited):
    code: Code
    name: str
    scar_types: list[Code] = []
    reason: str


class Topical(KnowledgeRow):
    code: Code
    name: str
    safe_on_channels: bool
    reason: str
    claim: Code | None = None
    references: list[str] = []
    delivery: bool = False


class Claim(Cited):
    """A marketing claim, its verdict and the evidence level of that verdict."""

    id: Code
    claim: str
    verdict: Verdict
    reason: str


class When(KnowledgeRow):
    """When a care item applies; every field given must match (a list matches any member)."""

    settings: list[Setting] = []
    phototypes: list[int] = []
    combinations: list[Code] = []
    topicals: list[Code] = []
    findings: list[Code] = []
    products: list[Code] = []

    def is_empty(self) -> bool:
        return not (
            self.settings
            or self.phototypes
            or self.combinations
            or self.topicals
            or self.findings
            or self.products
        )


class PreCare(Cited):
    """`text` is for the clinician; `patient` is the same step in words for the client, or
    None when the step is the clinic's own (sharps, anaesthetic doses) and clients see nothing."""

    code: Code
    text: str
    patient: str | None = None
    when: When = When()
    mentions: list[Code] = []


class Aftercare(KnowledgeRow):
    code: Code
    from_day: Days
    to_day: Days
    do: list[str]
    avoid: list[str]
    when: When = When()
    mentions: list[Code] = []
    timing: Sourced

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.from_day > self.to_day:
            raise ValueError(f"from_day ({self.from_day}) is after to_day ({self.to_day})")
        return self


class IntervalByDepth(Sourced):
    """Rule `interval_default`: the interval follows the deepest planned needle length."""

    deep_from_mm: DepthMm
    deep_days: Days
    superficial_days: Days


class IntervalException(Sourced):
    indication: Code
    zones: list[Code]
    up_to_mm: DepthMm
    days: Days


class PhototypeStart(Sourced):
    """Rule `phototype_start` for darker phototypes."""

    phototypes: list[Annotated[int, Field(ge=1, le=6)]]
    first_session_face_max_mm: DepthMm
    first_session_body_max_mm: DepthMm
    max_passes: Annotated[int, Field(ge=1, le=50)]
    max_passes_devices: list[DeviceType]
    test_spot_review_days: Days


class Ramp(Sourced):
    """How much deeper each session may go than the one before."""

    step_mm: DepthMm


class HomeFrequency(Sourced):
    """Rule `home_frequency`: at most this often at or below `up_to_mm`."""

    up_to_mm: DepthMm
    interval_days: Days


class HomeLimits(Sourced):
    recommended_mm: DepthMm
    max_mm: DepthMm
    caution_from_mm: DepthMm
    claim_from_mm: DepthMm
    claim: Code
    frequency: list[HomeFrequency]
    combinations: list[Code]
    topicals: list[Code]


class DeviceLabel(Sourced):
    """The authorised device's label: depths above this were not evaluated (revision 2b)."""

    evaluated_up_to_mm: DepthMm


class Rules(KnowledgeRow):
    interval_by_depth: IntervalByDepth
    interval_exceptions: list[IntervalException]
    phototype_start: PhototypeStart
    ramp: Ramp
    home: HomeLimits
    course_for_drug_delivery: CountValue
    device_label: DeviceLabel


ControlId = Annotated[str, Field(pattern=r"^[a-z_]+:[a-z0-9_]+$")]


class Hazard(KnowledgeRow):
    """One line of the hazard log (ISO 14971 risk control): what can go wrong and what stops it.

    `controls` name the rows that control it as `kind:code` (`contraindication:pregnancy`,
    `warning:pih_risk`, `rule:home`); the loader checks that each one exists.
    """

    code: Code
    name: str
    situation: str
    harm: str
    references: RefIds
    controls: Annotated[list[ControlId], Field(min_length=1)]


class KnowledgeMeta(KnowledgeRow):
    version: str
    reviewed: date
    sources: str


class Knowledge(KnowledgeRow):
    """The whole knowledge base, validated and cross-checked."""

    meta: KnowledgeMeta
    references: dict[str, Reference]
    zones: dict[str, Zone]
    indications: dict[str, Indication]
    devices: dict[str, Device]
    contraindications: list[Contraindication]
    combinations: dict[str, Combination]
    referrals: dict[str, Referral]
    topicals: dict[str, Topical]
    claims: dict[str, Claim]
    pre_care: list[PreCare]
    aftercare: list[Aftercare]
    rules: Rules
    conditions: dict[str, Term]
    medications: dict[str, Term]
    procedures: dict[str, Term]
    scar_types: dict[str, Term]
    warnings: dict[str, Term]
    client_findings: dict[str, Term]
    session_warnings: dict[str, Term]
    adverse_events: dict[str, Term]
    hazards: dict[str, Hazard]

    @property
    def version(self) -> str:
        return self.meta.version

    def __hash__(self) -> int:
        """Identity: a loaded knowledge base is one value, so pure steps can cache on it."""
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other
