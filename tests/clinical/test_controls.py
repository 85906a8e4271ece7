"""Each hazard control (docs/hazards.md) proved by a test named and marked after it.

A test marked `@pytest.mark.rule("kind:code")` proves that row; the table-driven tests here
cover every row of a kind, so a new zone, topical, claim or care row is tested as it is added.
Screening rows are proved one by one in test_screening.py.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from tests.clinical.test_screening import COMBINATION_INDICATION, triggering_request
from tests.conftest import make_request

from microneedling import plan
from microneedling.clinical.models import Plan
from microneedling.knowledge import load_knowledge
from microneedling.knowledge.models import When

KB = load_knowledge()
NOT_BACKED = {"not_supported", "unsafe"}


def warning_codes(result: Plan) -> set[str]:
    return {w.code for w in result.warnings}


def treatment(result: Plan, zone: str) -> Any:
    return next(t for t in result.treatments if t.zone == zone)


def each(kind: str, codes: Any, *also: str) -> list[Any]:
    """One case per code, named and marked after its control `kind:code`."""
    return [
        pytest.param(code, id=f"{kind}:{code}", marks=pytest.mark.rule(f"{kind}:{code}", *also))
        for code in codes
    ]


def request_matching(when: When) -> dict[str, Any]:
    """A request whose plan meets every condition of a care row's `when`."""
    setting = when.settings[0] if when.settings else "clinic"
    request = make_request(setting=setting)
    if when.findings:
        rule = next(
            r for r in KB.contraindications if r.code in when.findings and setting in r.settings
        )
        request = triggering_request(rule) | {"setting": setting}
    if when.combinations:
        indication = COMBINATION_INDICATION[when.combinations[0]]
        zones = KB.indications[indication].zones[:1]
        request["concerns"] = [{"indication": indication, "zones": zones}]
    if when.phototypes:
        request["client"]["fitzpatrick"] = when.phototypes[0]
    if when.topicals:
        request["topicals"] = when.topicals[:1]
    if when.products:
        request["topicals"] = [*request.get("topicals", []), *when.products[:1]]
    return request


def plannable_indication(zone: str) -> str:
    return next(
        code for code, row in KB.indications.items() if row.answer is None and zone in row.zones
    )


@pytest.mark.parametrize("code", each("pre_care", dict.fromkeys(r.code for r in KB.pre_care)))
def test_each_pre_care_row_applies_when_its_conditions_hold(code: str) -> None:
    for row in (r for r in KB.pre_care if r.code == code):
        result = plan(request_matching(row.when))
        assert row.text in [item.text for item in result.pre_care if item.code == code]


@pytest.mark.parametrize("code", each("aftercare", dict.fromkeys(r.code for r in KB.aftercare)))
def test_each_aftercare_row_applies_when_its_conditions_hold(code: str) -> None:
    for row in (r for r in KB.aftercare if r.code == code):
        result = plan(request_matching(row.when))
        days = [(a.from_day, a.to_day, a.do, a.avoid) for a in result.aftercare]
        assert (row.from_day, row.to_day, row.do, row.avoid) in days


@pytest.mark.parametrize("zone", each("zone", KB.zones, "warning:zone_depth_capped"))
def test_each_zone_caps_the_depth_in_clinic(zone: str) -> None:
    cap = KB.zones[zone].clinic_cap.mm
    result = plan(
        make_request(
            device={"type": "roller", "needle_length_mm": 3.0},
            concerns=[{"indication": plannable_indication(zone), "zones": [zone]}],
        )
    )
    assert treatment(result, zone).depth_mm.max <= cap
    assert ("zone_depth_capped" in warning_codes(result)) == (cap < 3.0)


@pytest.mark.parametrize(
    "zone",
    each("zone", KB.zones, "rule:home", "warning:home_depth_capped", "warning:home_zone_excluded"),
)
def test_each_zone_caps_or_excludes_the_depth_at_home(zone: str) -> None:
    row = KB.zones[zone]
    result = plan(
        make_request(
            setting="home",
            device={"type": "roller", "needle_length_mm": 3.0},
            concerns=[{"indication": plannable_indication(zone), "zones": [zone]}],
        )
    )
    item = treatment(result, zone)
    if row.home_cap is None:
        assert (item.status, item.blocked_by) == ("excluded", ["home_zone_excluded"])
    else:
        assert item.depth_mm.max <= min(row.home_cap.mm, KB.rules.home.max_mm)
        assert "home_depth_capped" in warning_codes(result)


@pytest.mark.parametrize("code", each("topical", KB.topicals, "warning:unsafe_topical"))
def test_each_topical_is_flagged_unless_safe_on_needle_channels(code: str) -> None:
    row = KB.topicals[code]
    result = plan(make_request(topicals=[code]))
    assert ("unsafe_topical" in warning_codes(result)) == (not row.safe_on_channels)
    if not row.safe_on_channels:
        assert any(f.code == code and f.action == "warn" for f in result.findings)


@pytest.mark.parametrize("claim_id", each("claim", KB.claims))
def test_each_claim_is_answered_by_its_verdict(claim_id: str) -> None:
    verdict = KB.claims[claim_id].verdict
    codes = warning_codes(plan(make_request(claims=[claim_id])))
    assert ("claim_not_supported" in codes) == (verdict in NOT_BACKED)
    assert ("claim_partly_supported" in codes) == (verdict == "partly_supported")


@pytest.mark.parametrize(
    "code", each("indication", [c for c, row in KB.indications.items() if row.answer])
)
def test_each_answered_indication_is_refused_and_referred(code: str) -> None:
    answer = KB.indications[code].answer
    assert answer is not None
    zones = KB.indications[code].zones[:1] or ["cheeks"]
    result = plan(make_request(concerns=[{"indication": code, "zones": zones}]))
    assert result.status == "refused"
    assert set(answer.referrals) <= {r.code for r in result.referrals}


@pytest.mark.rule("rule:phototype_start", "warning:pih_risk")
@pytest.mark.parametrize("phototype", [2, *KB.rules.phototype_start.phototypes])
def test_rule_phototype_start_shallow_first_session_test_spot_and_pih_risk(phototype: int) -> None:
    start = KB.rules.phototype_start
    result = plan(
        make_request(
            client={"fitzpatrick": phototype},
            concerns=[{"indication": "surgical_burn_scars", "zones": ["cheeks", "abdomen"]}],
        )
    )
    darker = phototype in start.phototypes
    assert ("pih_risk" in warning_codes(result)) == darker
    assert (result.schedule[0].kind == "test_spot") == darker
    if darker:
        assert treatment(result, "cheeks").depth_mm.first_session <= start.first_session_face_max_mm
        first_body = treatment(result, "abdomen").depth_mm.first_session
        assert first_body <= start.first_session_body_max_mm
        assert treatment(result, "cheeks").passes <= start.max_passes


@pytest.mark.rule("rule:ramp")
def test_rule_ramp_limits_the_step_between_sessions() -> None:
    result = plan(
        make_request(
            client={"fitzpatrick": 5},
            device={"type": "pen", "needle_length_mm": 3.0},
            concerns=[{"indication": "acne_scars_atrophic", "zones": ["cheeks"]}],
        )
    )
    depths = [s.depth_mm["cheeks"] for s in result.schedule if s.kind == "treatment"]
    assert depths[-1] > depths[0]
    assert all(later - earlier <= KB.rules.ramp.step_mm for earlier, later in pairwise(depths))


@pytest.mark.rule("warning:home_depth_caution")
@pytest.mark.parametrize("length", [0.25, 0.5])
def test_warning_home_depth_caution_from_its_length_on_the_body(length: float) -> None:
    result = plan(
        make_request(
            setting="home",
            device={"type": "roller", "needle_length_mm": length},
            concerns=[{"indication": "striae", "zones": ["thighs"]}],
        )
    )
    caution = length >= KB.rules.home.caution_from_mm
    assert ("home_depth_caution" in warning_codes(result)) == caution


@pytest.mark.rule("combination:antiviral_prophylaxis")
@pytest.mark.parametrize("history", [True, False])
def test_combination_antiviral_prophylaxis_with_a_cold_sore_history(history: bool) -> None:
    conditions = [{"code": "herpes_labialis", "status": "history"}] if history else []
    result = plan(make_request(client={"conditions": conditions}))
    assert ("antiviral_prophylaxis" in {c.code for c in result.combinations}) == history
