"""Every contraindication row fires for a request built to trigger it (one case per row)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.conftest import make_request

from microneedling import plan
from microneedling.clinical.models import ScreeningAnswers
from microneedling.clinical.screening import screen_intake
from microneedling.knowledge import load_knowledge
from microneedling.knowledge.models import Contraindication

KB = load_knowledge()
COMBINATION_INDICATION = {
    code: next(i for i, row in KB.indications.items() if code in row.combinations)
    for code in KB.combinations
    if any(code in row.combinations for row in KB.indications.values())
}


def triggering_request(rule: Contraindication) -> dict[str, Any]:
    """A request that should make exactly this row fire."""
    indication = "acne_scars_atrophic"
    if rule.indications:
        indication = rule.indications[0]
    elif rule.indications_except:
        indication = "wrinkles_fine_lines"
    if rule.with_combinations:
        indication = COMBINATION_INDICATION[rule.with_combinations[0]]
    zone = rule.zones[0] if rule.zones else "cheeks"
    if indication == "androgenetic_alopecia":
        zone = "scalp"
    variant = next((v for v in rule.variants if v != "unknown"), None)
    client: dict[str, Any] = {}
    entry: dict[str, Any] = {"code": rule.code}
    if rule.trigger == "condition":
        entry |= {"status": rule.statuses[0]}
        client["conditions"] = [entry | ({"variant": variant} if variant else {})]
    elif rule.trigger == "medication":
        entry |= {"status": rule.statuses[0]}
        client["medications"] = [entry]
    elif rule.trigger == "procedure":
        client["recent_procedures"] = [
            entry | {"days_ago": 0} | ({"variant": variant} if variant else {})
        ]
    elif rule.trigger == "pregnancy":
        client["pregnant"] = True
    elif rule.trigger == "breastfeeding":
        client["breastfeeding"] = True
    elif rule.trigger == "age":
        client["age_years"] = (rule.age_below_years or 100) - 1
    concern: dict[str, Any] = {"indication": indication, "zones": [zone]}
    if rule.trigger == "scar_type":
        concern["scar_types"] = rule.scar_types[:1]
    return make_request(setting=rule.settings[0], client=client, concerns=[concern])


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param(
            rule,
            id=f"{rule.code}-{rule.action}-{rule.settings[0]}-"
            f"{'-'.join(rule.references) or 'derived'}",
            marks=pytest.mark.rule(f"contraindication:{rule.code}"),
        )
        for rule in KB.contraindications
    ],
)
def test_each_contraindication_fires(rule: Contraindication) -> None:
    result = plan(triggering_request(rule))
    fired = [f for f in result.findings if f.code == rule.code and f.action == rule.action]
    assert fired, [f.code for f in result.findings]
    finding = fired[0]
    if rule.wait is not None:
        assert finding.until is not None and finding.until.after_days == rule.wait.days
    blocking = rule.action in ("refuse", "defer") or (
        rule.action == "clinician_only" and rule.settings == ["home"]
    )
    if blocking:
        assert all(rule.code in t.blocked_by for t in result.treatments)
        assert result.status != "ok"
    if rule.adds_combination:
        assert rule.adds_combination in {c.code for c in result.combinations}
    if rule.adds_referral:
        assert rule.adds_referral in {r.code for r in result.referrals}


def test_a_wait_that_has_passed_does_not_fire() -> None:
    result = plan(
        make_request(
            client={"recent_procedures": [{"code": "laser_ablative", "days_ago": 91}]},
        )
    )
    assert result.findings == []
    assert result.status == "ok"


def test_a_zone_rule_ignores_untreated_zones() -> None:
    result = plan(
        make_request(
            client={"recent_procedures": [{"code": "filler", "days_ago": 3, "zones": ["chin"]}]}
        )
    )
    assert "filler" not in {f.code for f in result.findings}


def test_clinician_only_excludes_at_home() -> None:
    result = plan(
        make_request(
            setting="home",
            client={"medications": [{"code": "anticoagulant", "status": "current"}]},
        )
    )
    assert result.status == "refused"
    assert result.treatments[0].blocked_by == ["anticoagulant"]


def test_stamp_has_no_pass_count() -> None:
    result = plan(make_request(device={"type": "stamp"}))
    assert result.treatments[0].passes is None
    assert "no_evidence_number" in {w.code for w in result.warnings}


def test_partly_supported_claim_is_flagged() -> None:
    result = plan(make_request(claims=["claim_pores_shrink", "claim_hair_minoxidil"]))
    codes = [w.code for w in result.warnings]
    assert codes.count("claim_partly_supported") == 1
    assert "claim_not_supported" not in codes


def test_home_body_depth_caution_and_below_evidence() -> None:
    result = plan(
        make_request(
            setting="home",
            device={"type": "roller", "needle_length_mm": 0.5},
            concerns=[{"indication": "striae", "zones": ["thighs"]}],
        )
    )
    codes = {w.code for w in result.warnings}
    assert {"home_depth_caution", "depth_below_evidence", "home_depth_capped"} <= codes
    assert result.treatments[0].sessions.interval_days == 28


# --- intake screening: before any plan --------------------------------------------------

FACIAL = [code for code, zone in KB.zones.items() if zone.facial]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        pytest.param(
            {"conditions": [{"code": "herpes_labialis", "status": "active"}]},
            [("herpes_labialis", "defer", FACIAL)],
            id="cold-sores-active-every-facial-zone",
        ),
        pytest.param(
            {"conditions": [{"code": "eczema", "status": "active", "zones": ["cheeks"]}]},
            [("eczema", "defer", ["cheeks"])],
            id="condition-in-its-zones",
        ),
        pytest.param(
            {"conditions": [{"code": "eczema", "status": "active"}]},
            [("eczema", "defer", list(KB.zones))],
            id="condition-without-zones-every-zone",
        ),
        pytest.param(
            {"pregnant": True}, [("pregnancy", "defer", None)], id="client-wide-has-no-zones"
        ),
        pytest.param({"age_years": 16}, [], id="indication-rows-wait-for-the-plan"),
    ],
)
def test_intake_screening_names_the_zones_each_finding_holds_back(
    answers: dict[str, Any], expected: list[tuple[str, str, list[str] | None]]
) -> None:
    client = ScreeningAnswers.model_validate({"age_years": 30, "fitzpatrick": 2, **answers})
    findings = screen_intake(client, "clinic", dt.date(2026, 12, 1), KB)
    assert [(f.code, f.action, f.zones) for f in findings] == expected
