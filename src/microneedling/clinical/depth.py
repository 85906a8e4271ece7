"""Needle length per indication, zone, setting, device and phototype.

The planned range is the indication's range (indications.toml) clipped to the zone's cap for
the setting (zones.toml), to any cap a finding sets (contraindications.toml), and to the
length the client has or asks for. A cap that cuts the range is said (`zone_depth_capped`,
`home_depth_capped`); a plan pushed below the studied minimum says so
(`depth_below_evidence`), at home by sending the indication to a clinic. The first session is
conservative (rules.toml `[phototype_start]`, `[ramp]`) and later sessions ramp.
"""

from __future__ import annotations

from dataclasses import dataclass

from microneedling.clinical.models import PlanWarning
from microneedling.clinical.numbers import Num, lowest
from microneedling.knowledge import Knowledge
from microneedling.knowledge.models import Indication, Zone


@dataclass(frozen=True, eq=False)
class DepthDecision:
    min: Num
    max: Num
    first_session: Num
    warnings: tuple[PlanWarning, ...]


def zone_cap(zone: Zone, setting: str) -> Num | None:
    """The zone's cap for the setting; None when the zone is not treated in that setting."""
    if setting == "home":
        if zone.home_cap is None:
            return None
        return Num.of(zone.home_cap.mm, f"zones/{zone.code}/home_cap", zone.home_cap)
    return Num.of(zone.clinic_cap.mm, f"zones/{zone.code}/clinic_cap", zone.clinic_cap)


def requested_length(length_mm: float | None) -> Num | None:
    """The needle length the client has or asks for, as a number sourced from the request."""
    if length_mm is None:
        return None
    return Num(length_mm, "request/device.needle_length_mm", (), ())


def _mm(value: float) -> str:
    return f"{value:g} mm"


def plan_depth(
    indication: Indication,
    zone: Zone,
    cap: Num,
    setting: str,
    asked: Num | None,
    kb: Knowledge,
    phototype: int,
    finding_caps: list[Num],
) -> DepthDecision:
    """The planned depth range and first-session depth for one indication in one zone."""
    assert indication.depth_mm is not None
    rows = f"indications/{indication.code}/depth_mm"
    low = Num.of(indication.depth_mm.min, rows, indication.depth_mm)
    high = Num.of(indication.depth_mm.max, rows, indication.depth_mm)
    home = setting == "home"
    capped_code = "home_depth_capped" if home else "zone_depth_capped"
    limit_name = "home limit" if home else "cap"
    warnings: list[PlanWarning] = []
    if asked and asked.value > cap.value:
        warnings.append(
            PlanWarning(
                code=capped_code,
                message=f"{zone.name}: {_mm(asked.value)} asked; the {limit_name} is "
                f"{_mm(cap.value)}, so the plan uses at most {_mm(cap.value)}.",
                references=list(cap.references),
            )
        )
    elif high.value > cap.value:
        warnings.append(
            PlanWarning(
                code=capped_code,
                message=f"{zone.name}: {indication.name.lower()} is studied at "
                f"{_mm(low.value)}-{_mm(high.value)}; the {limit_name} is {_mm(cap.value)}.",
                references=list(cap.references),
            )
        )

    maximum = lowest(high, cap, *finding_caps, *([asked] if asked else []))
    if maximum.value < low.value:
        warnings.append(_below_evidence(indication, zone, low, high, maximum, home))
    minimum = lowest(low, maximum)

    first = minimum
    if indication.first_session is not None:
        start = indication.first_session
        first = Num.of(start.mm, f"indications/{indication.code}/first_session", start)
    start_rule = kb.rules.phototype_start
    if phototype in start_rule.phototypes:
        if zone.facial:
            limit = start_rule.first_session_face_max_mm
            row = "rules/phototype_start/first_session_face_max_mm"
        else:
            limit = start_rule.first_session_body_max_mm
            row = "rules/phototype_start/first_session_body_max_mm"
        first = lowest(first, Num.of(limit, row, start_rule))
    first = lowest(first, maximum)

    home_rules = kb.rules.home
    if home and maximum.value >= home_rules.caution_from_mm:
        warnings.append(
            PlanWarning(
                code="home_depth_caution",
                message=f"{zone.name}: {_mm(maximum.value)} at home is for the body only, "
                "at most once every 1-2 weeks, on calm skin.",
                references=list(home_rules.references),
            )
        )
    return DepthDecision(minimum, maximum, first, tuple(warnings))


def _below_evidence(
    indication: Indication, zone: Zone, low: Num, high: Num, maximum: Num, home: bool
) -> PlanWarning:
    """`depth_below_evidence`: at home the answer is a clinic, never a longer needle."""
    studied = f"{_mm(low.value)}-{_mm(high.value)}"
    if home:
        message = (
            f"{zone.name}: {indication.name.lower()} is studied at {studied}; a home plan stays at "
            f"{_mm(maximum.value)}, so this indication needs a clinic."
        )
    else:
        message = (
            f"{zone.name}: {_mm(maximum.value)} is below the studied {studied} for "
            f"{indication.name.lower()}; the effect is uncertain."
        )
    references = list(dict.fromkeys([*low.references, *maximum.references]))
    return PlanWarning(code="depth_below_evidence", message=message, references=references)


def session_depth_mm(decision: DepthDecision, session: int, kb: Knowledge) -> float:
    """Depth for the n-th treatment session (1-based): the first, then up by the ramp step."""
    step = kb.rules.ramp.step_mm
    depth = decision.first_session.value + (session - 1) * step
    return round(min(depth, decision.max.value), 2)
