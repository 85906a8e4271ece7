"""Revision 2 of the clinical brief: each rule the adversarial review found broken, by name."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.conftest import make_request

from microneedling import plan
from microneedling.knowledge import load_knowledge

KB = load_knowledge()
FACE = [code for code, zone in KB.zones.items() if zone.facial]


def codes(items: list[Any]) -> set[str]:
    return {item.code for item in items}


def findings(result: Any, code: str) -> list[Any]:
    return [f for f in result.findings if f.code == code]


def status_by_zone(result: Any) -> dict[str, str]:
    return {t.zone: t.status for t in result.treatments}


def condition(code: str, status: str = "active", **extra: Any) -> dict[str, Any]:
    return {"conditions": [{"code": code, "status": status, **extra}]}


# --- conditions scoped wider than the zone they were recorded on -----------------------------


@pytest.mark.parametrize("recorded_on", [["cheeks"], ["abdomen"], None])
def test_keloid_tendency_refuses_decolletage_back_jawline_wherever_recorded(
    recorded_on: list[str] | None,
) -> None:
    entry = {"zones": recorded_on} if recorded_on else {}
    result = plan(
        make_request(
            client=condition("keloid_tendency", "history", **entry),
            concerns=[
                {
                    "indication": "acne_scars_atrophic",
                    "zones": ["cheeks", "jawline", "decolletage", "back"],
                }
            ],
        )
    )
    refused = [f for f in findings(result, "keloid_tendency") if f.action == "refuse"]
    assert refused and refused[0].zones == ["jawline", "decolletage", "back"]
    statuses = status_by_zone(result)
    assert statuses["jawline"] == statuses["decolletage"] == statuses["back"] == "excluded"
    assert statuses["cheeks"] == "planned"


def test_active_cold_sore_defers_every_facial_zone() -> None:
    result = plan(
        make_request(
            client=condition("herpes_labialis", zones=["upper_lip"]),
            concerns=[
                {"indication": "acne_scars_atrophic", "zones": ["cheeks", "chin", "back"]},
            ],
        )
    )
    (finding,) = findings(result, "herpes_labialis")
    assert finding.action == "defer" and finding.zones == ["cheeks", "chin"]
    assert status_by_zone(result) == {"cheeks": "deferred", "chin": "deferred", "back": "planned"}


def test_cold_sore_history_on_the_lip_brings_antiviral_prophylaxis_for_any_facial_zone() -> None:
    result = plan(
        make_request(
            client=condition("herpes_labialis", "history", zones=["upper_lip"]),
            concerns=[{"indication": "acne_scars_atrophic", "zones": ["forehead"]}],
        )
    )
    (finding,) = findings(result, "herpes_labialis")
    assert (finding.action, finding.zones) == ("precaution", ["forehead"])
    assert "antiviral_prophylaxis" in codes(result.combinations)


def test_cold_sore_history_with_only_body_zones_adds_nothing() -> None:
    result = plan(
        make_request(
            client=condition("herpes_labialis", "history"),
            concerns=[{"indication": "striae", "zones": ["abdomen"]}],
        )
    )
    assert not findings(result, "herpes_labialis")
    assert "antiviral_prophylaxis" not in codes(result.combinations)


# --- scar types that change the plan ---------------------------------------------------------


def test_keloid_scar_type_refuses_the_concerns_zones() -> None:
    result = plan(
        make_request(
            concerns=[
                {
                    "indication": "surgical_burn_scars",
                    "zones": ["abdomen"],
                    "scar_types": ["keloid"],
                },
                {"indication": "acne_scars_atrophic", "zones": ["cheeks"]},
            ]
        )
    )
    (finding,) = findings(result, "keloid_scar")
    assert (finding.action, finding.zones) == ("refuse", ["abdomen"])
    assert status_by_zone(result) == {"abdomen": "excluded", "cheeks": "planned"}
    assert "intralesional_steroid" in codes(result.referrals)


def test_hypertrophic_scar_type_gets_a_precaution_and_a_test_spot() -> None:
    result = plan(
        make_request(
            concerns=[
                {
                    "indication": "acne_scars_atrophic",
                    "zones": ["cheeks"],
                    "scar_types": ["hypertrophic", "rolling"],
                }
            ]
        )
    )
    (finding,) = findings(result, "hypertrophic_scar")
    assert (finding.action, finding.zones) == ("precaution", ["cheeks"])
    assert result.status == "ok"
    assert result.schedule[0].kind == "test_spot"


# --- conservative defaults -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "action"),
    [
        pytest.param({"status": "history"}, "refuse", id="history_without_variant"),
        pytest.param({"status": "history", "variant": "active"}, "refuse", id="history_active"),
        pytest.param({"status": "active", "variant": "stable"}, "refuse", id="active_status"),
        pytest.param({"status": "active"}, "refuse", id="active_without_variant"),
        pytest.param(
            {"status": "history", "variant": "stable"}, "clinician_only", id="history_stable"
        ),
    ],
)
def test_vitiligo_refuses_unless_history_is_known_stable(
    entry: dict[str, str], action: str
) -> None:
    result = plan(make_request(client={"conditions": [{"code": "vitiligo", **entry}]}))
    assert {f.action for f in findings(result, "vitiligo")} == {action}
    assert (result.status == "refused") == (action == "refuse")


@pytest.mark.parametrize(
    "client",
    [
        {"medications": [{"code": "chemotherapy", "status": "current"}]},
        {"medications": [{"code": "chemotherapy", "status": "stopped", "days_since_stopped": 400}]},
        condition("cancer_active", "history"),
    ],
    ids=["chemotherapy_current", "chemotherapy_stopped", "cancer_history"],
)
def test_chemotherapy_or_cancer_defers_until_oncology_clearance_current_or_stopped(
    client: dict[str, Any],
) -> None:
    result = plan(make_request(client=client))
    (finding,) = [f for f in result.findings if f.action == "defer"]
    assert finding.until is not None and finding.until.condition == "oncology clearance"
    assert result.status == "deferred"


def test_breastfeeding_with_a_drug_the_client_names_needs_a_clinician() -> None:
    result = plan(
        make_request(
            client={"breastfeeding": True},
            concerns=[{"indication": "wrinkles_fine_lines", "zones": ["cheeks"]}],
            topicals=["tranexamic_acid"],
        )
    )
    assert {f.action for f in findings(result, "breastfeeding")} == {"defer", "clinician_only"}
    without_drug = plan(make_request(client={"breastfeeding": True}))
    assert {f.action for f in findings(without_drug, "breastfeeding")} == {"defer"}


def test_pregnancy_keeps_txa_minoxidil_retinoids_and_hydroquinone_out_of_the_plan() -> None:
    result = plan(
        make_request(
            client={"pregnant": True, "fitzpatrick": 4},
            concerns=[
                {"indication": "melasma", "zones": ["cheeks"]},
                {"indication": "androgenetic_alopecia", "zones": ["scalp"]},
            ],
            topicals=["tranexamic_acid", "minoxidil", "retinoid"],
        )
    )
    withheld = {"tranexamic_acid", "minoxidil", "hydroquinone", "retinoid"}
    assert not withheld & codes(result.combinations)
    flagged = {f.code for f in result.findings if f.action == "warn"}
    assert {"tranexamic_acid", "minoxidil", "retinoid"} <= flagged
    unsafe = [w.message for w in result.warnings if w.code == "unsafe_topical"]
    assert len(unsafe) == 3 and all("pregnancy" in message for message in unsafe)
    care = " ".join(item.text for item in result.pre_care).lower()
    care += " ".join(" ".join(day.do) for day in result.aftercare).lower()
    assert "hydroquinone" not in care and "minoxidil" not in care
    assert result.status == "deferred"


# --- home plans ------------------------------------------------------------------------------


def test_home_plan_has_no_prp_no_clinic_drug_and_no_blood_draw() -> None:
    result = plan(
        make_request(
            setting="home",
            concerns=[
                {"indication": "acne_scars_atrophic", "zones": ["cheeks"]},
                {"indication": "melasma", "zones": ["forehead"]},
                {"indication": "androgenetic_alopecia", "zones": ["scalp"]},
            ],
        )
    )
    assert codes(result.combinations) == {"minoxidil"}
    assert "prp_per_client_kit" not in codes(result.pre_care)
    assert "draw and process blood" not in " ".join(i.text for i in result.pre_care).lower()
    assert "topical_anaesthetic" not in codes(result.pre_care)


@pytest.mark.parametrize("topical", ["tranexamic_acid", "prp", "minoxidil", "vitamin_c"])
def test_home_allows_nothing_on_needled_skin_but_sterile_hyaluronic_acid(topical: str) -> None:
    result = plan(make_request(setting="home", topicals=[topical, "hyaluronic_acid_sterile"]))
    flagged = {f.code for f in result.findings if f.action == "warn"}
    assert topical in flagged and "hyaluronic_acid_sterile" not in flagged
    assert "unsafe_topical" in codes(result.warnings)


def test_home_phototype_iv_to_vi_gets_a_test_patch_as_session_0() -> None:
    result = plan(make_request(setting="home", client={"fitzpatrick": 5}, start_date="2026-12-01"))
    first, second = result.schedule[:2]
    assert (first.session, first.kind, first.date) == (0, "test_spot", dt.date(2026, 12, 1))
    assert second.kind == "treatment" and second.date is not None and second.date > first.date
    light = plan(make_request(setting="home", client={"fitzpatrick": 2}))
    assert light.schedule[0].kind == "treatment"


# --- minoxidil and retinoid pauses -----------------------------------------------------------


@pytest.mark.parametrize("where", ["combination", "topical"])
def test_minoxidil_pause_applies_to_the_clients_own_minoxidil(where: str) -> None:
    indication = "androgenetic_alopecia" if where == "combination" else "skin_laxity_texture"
    zone = "scalp" if where == "combination" else "arms"
    result = plan(
        make_request(
            concerns=[{"indication": indication, "zones": [zone]}],
            topicals=["minoxidil"] if where == "topical" else [],
        )
    )
    assert "minoxidil_pause_before" in codes(result.pre_care)
    restart = [day for day in result.aftercare if "restart minoxidil" in " ".join(day.do)]
    assert restart and "24 h" in restart[0].do[0]


def test_one_retinoid_pause_of_5_days_before_and_after() -> None:
    texts = [row.reason for row in KB.contraindications if row.code == "topical_retinoid"]
    texts += [KB.topicals["retinoid"].reason]
    texts += [row.text for row in KB.pre_care if "retinoid" in row.code]
    assert texts and all("5 days before and after" in text for text in texts)
    assert not any("3 to 5" in text or "24 h" in text for text in texts)


def test_minoxidil_is_never_on_open_channels_and_restarts_24h_after() -> None:
    assert not KB.topicals["minoxidil"].safe_on_channels
    for text in (KB.topicals["minoxidil"].reason, KB.combinations["minoxidil"].note):
        assert "never on open channels" in text.lower() and "24 h after" in text


# --- depths ----------------------------------------------------------------------------------


def test_melasma_starts_at_half_a_millimetre_and_plans_the_lower_end_of_its_course() -> None:
    result = plan(make_request(concerns=[{"indication": "melasma", "zones": ["cheeks"]}]))
    (item,) = result.treatments
    assert item.depth_mm.first_session == 0.5
    assert item.depth_mm.min == KB.indications["melasma"].depth_mm.min
    assert item.sessions.count == KB.indications["melasma"].sessions.min == 2


def test_zone_depth_capped_whenever_the_zone_cap_cuts_the_indication_range() -> None:
    result = plan(
        make_request(concerns=[{"indication": "acne_scars_atrophic", "zones": ["forehead"]}])
    )
    assert "zone_depth_capped" in codes(result.warnings)
    uncut = plan(
        make_request(concerns=[{"indication": "acne_scars_atrophic", "zones": ["cheeks"]}])
    )
    assert "zone_depth_capped" not in codes(uncut.warnings)


@pytest.mark.rule("warning:depth_below_evidence")
def test_depth_below_evidence_when_isotretinoin_limit_is_under_the_studied_minimum() -> None:
    result = plan(
        make_request(
            client={
                "medications": [
                    {"code": "isotretinoin", "status": "stopped", "days_since_stopped": 60}
                ]
            },
            concerns=[{"indication": "striae", "zones": ["abdomen"]}],
        )
    )
    (item,) = result.treatments
    assert item.depth_mm.max == 1.0
    below = [w for w in result.warnings if w.code == "depth_below_evidence"]
    (cap,) = [
        rule.depth_cap
        for rule in KB.contraindications
        if rule.code == "isotretinoin" and rule.depth_cap is not None
    ]
    assert below and set(cap.references) <= set(below[0].references)


@pytest.mark.rule("warning:depth_below_evidence")
def test_home_below_evidence_says_the_indication_needs_a_clinic_never_a_longer_needle() -> None:
    result = plan(
        make_request(setting="home", concerns=[{"indication": "striae", "zones": ["abdomen"]}])
    )
    (below,) = [w for w in result.warnings if w.code == "depth_below_evidence"]
    assert "needs a clinic" in below.message
    assert "longer" not in below.message.lower() and "needle" not in below.message.lower()


def test_scalp_aga_keeps_its_weekly_protocol_in_phototypes_iv_to_vi() -> None:
    for phototype in (4, 5, 6):
        result = plan(
            make_request(
                client={"fitzpatrick": phototype},
                concerns=[{"indication": "androgenetic_alopecia", "zones": ["scalp"]}],
            )
        )
        assert result.treatments[0].sessions.interval_days == 7


# --- dates -----------------------------------------------------------------------------------


def _botox_then_start(days_ago: int, start: str) -> Any:
    return plan(
        make_request(
            client={
                "recent_procedures": [
                    {"code": "botulinum_toxin", "days_ago": days_ago, "zones": ["forehead"]}
                ]
            },
            concerns=[{"indication": "wrinkles_fine_lines", "zones": ["forehead", "neck"]}],
            start_date=start,
        )
    )


def test_a_deferral_ending_before_a_zones_first_session_does_not_hold_it_back() -> None:
    result = _botox_then_start(10, "2026-12-01")  # the wait ends on 2026-11-26
    assert findings(result, "botulinum_toxin")[0].until.date == dt.date(2026, 11, 26)
    assert status_by_zone(result) == {"forehead": "planned", "neck": "planned"}
    assert result.schedule[0].date == dt.date(2026, 12, 1)
    assert result.schedule[0].zones == ["forehead", "neck"]


def test_a_deferral_ending_later_moves_that_zones_first_session_to_its_end_date() -> None:
    result = _botox_then_start(0, "2026-11-30")  # the wait ends on 2026-12-06
    assert result.status == "ok"
    assert status_by_zone(result) == {"forehead": "planned", "neck": "planned"}
    first_by_zone: dict[str, dt.date] = {}
    for session in result.schedule:
        for zone in session.zones:
            assert session.date is not None
            first_by_zone.setdefault(zone, session.date)
    assert first_by_zone == {"neck": dt.date(2026, 11, 30), "forehead": dt.date(2026, 12, 6)}


def test_without_a_start_date_a_deferral_holds_the_zone() -> None:
    undated = plan(
        make_request(
            client={"recent_procedures": [{"code": "botulinum_toxin", "days_ago": 0}]},
        )
    )
    assert undated.treatments[0].status == "deferred"


def test_a_deferral_without_an_end_date_holds_the_zone_even_with_a_start_date() -> None:
    result = plan(
        make_request(
            client=condition("acne_inflammatory", zones=["cheeks"]),
            concerns=[{"indication": "acne_scars_atrophic", "zones": ["cheeks", "chin"]}],
            start_date="2027-06-01",
        )
    )
    assert status_by_zone(result) == {"cheeks": "deferred", "chin": "planned"}
    assert all("cheeks" not in session.zones for session in result.schedule)
