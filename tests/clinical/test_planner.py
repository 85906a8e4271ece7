"""Planner rules, one row per case with the brief's reference in the test id."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from tests.conftest import make_request

from microneedling import plan
from microneedling.errors import InputError
from microneedling.knowledge import load_knowledge

KB = load_knowledge()


def codes(items: list[Any]) -> list[str]:
    return [item.code for item in items]


def treatment(result: Any, zone: str) -> Any:
    return next(t for t in result.treatments if t.zone == zone)


@pytest.mark.parametrize(
    ("setting", "zone", "length", "expected_max", "warning"),
    [
        pytest.param("home", "cheeks", 1.5, 0.25, "home_depth_capped", id="home_max_depth-fda2020"),
        pytest.param("home", "abdomen", None, 0.5, "home_depth_capped", id="home_body-fda2020"),
        pytest.param("clinic", "cheeks", 2.5, 2.0, "zone_depth_capped", id="zone_cap-alster2018"),
        pytest.param("clinic", "forehead", None, 1.0, None, id="forehead_cap-alster2018"),
    ],
)
def test_depth_never_exceeds_the_cap(
    setting: str, zone: str, length: float | None, expected_max: float, warning: str | None
) -> None:
    indication = "striae" if zone == "abdomen" else "acne_scars_atrophic"
    device: dict[str, Any] = {"type": "roller"}
    if length is not None:
        device["needle_length_mm"] = length
    result = plan(
        make_request(
            setting=setting,
            device=device,
            concerns=[{"indication": indication, "zones": [zone]}],
        )
    )
    item = treatment(result, zone)
    assert item.depth_mm.max == expected_max
    if warning:
        assert warning in codes(result.warnings)


def test_home_excludes_periorbital_and_back_derived() -> None:
    result = plan(
        make_request(
            setting="home",
            concerns=[{"indication": "wrinkles_fine_lines", "zones": ["periorbital", "cheeks"]}],
        )
    )
    assert treatment(result, "periorbital").status == "excluded"
    assert treatment(result, "periorbital").blocked_by == ["home_zone_excluded"]
    assert treatment(result, "cheeks").status == "planned"


@pytest.mark.parametrize(
    ("indication", "zone", "interval"),
    [
        pytest.param("acne_scars_atrophic", "cheeks", 28, id="interval_deep-harris2015"),
        pytest.param("hyperpigmentation_pih", "cheeks", 14, id="interval_shallow-derived"),
        pytest.param("androgenetic_alopecia", "scalp", 7, id="interval_scalp_aga-dhurat2013"),
    ],
)
def test_interval_follows_depth(indication: str, zone: str, interval: int) -> None:
    result = plan(make_request(concerns=[{"indication": indication, "zones": [zone]}]))
    assert treatment(result, zone).sessions.interval_days == interval


@pytest.mark.parametrize(
    ("indication", "zone", "count"),
    [
        pytest.param("acne_scars_atrophic", "cheeks", 3, id="course_acne-harris2015"),
        pytest.param("androgenetic_alopecia", "scalp", 12, id="course_aga-dhurat2013"),
        pytest.param("striae", "abdomen", 3, id="course_striae-naspolini2019"),
    ],
)
def test_course_default(indication: str, zone: str, count: int) -> None:
    result = plan(make_request(concerns=[{"indication": indication, "zones": [zone]}]))
    assert treatment(result, zone).sessions.count == count


def test_phototype_start_cohen2016() -> None:
    result = plan(
        make_request(
            client={"fitzpatrick": 5},
            concerns=[{"indication": "surgical_burn_scars", "zones": ["cheeks", "abdomen"]}],
        )
    )
    assert "pih_risk" in codes(result.warnings)
    assert treatment(result, "cheeks").depth_mm.first_session == 1.0
    assert treatment(result, "abdomen").depth_mm.first_session == 1.5
    assert result.schedule[0].kind == "test_spot"
    depths = [s.depth_mm["abdomen"] for s in result.schedule if s.kind == "treatment"]
    assert all(later - earlier <= 0.5 for earlier, later in pairwise(depths))
    assert treatment(result, "cheeks").passes == 3


def test_drug_delivery_one_session_no_evidence_number() -> None:
    result = plan(
        make_request(concerns=[{"indication": "transdermal_delivery", "zones": ["cheeks"]}])
    )
    item = treatment(result, "cheeks")
    assert (item.depth_mm.min, item.depth_mm.max) == (0.25, 0.5)
    assert item.sessions.count == 1
    assert "no_evidence_number" in codes(result.warnings)


def test_vitamin_c_is_an_unsafe_topical_soltani2014() -> None:
    result = plan(make_request(topicals=["vitamin_c"]))
    assert "unsafe_topical" in codes(result.warnings)
    assert "claim_not_supported" in codes(result.warnings)
    assert any(f.code == "vitamin_c" and f.action == "warn" for f in result.findings)


@pytest.mark.parametrize(
    ("setting", "actions", "status"),
    [
        pytest.param(
            "clinic", {"clinician_only", "warn"}, "ok", id="isotretinoin_clinic-spring2017"
        ),
        pytest.param("home", {"refuse"}, "refused", id="isotretinoin_home-waldman2017"),
    ],
)
def test_isotretinoin_cautious(setting: str, actions: set[str], status: str) -> None:
    result = plan(
        make_request(
            setting=setting,
            client={
                "medications": [
                    {"code": "isotretinoin", "status": "stopped", "days_since_stopped": 90}
                ]
            },
        )
    )
    fired = {f.action for f in result.findings if f.code == "isotretinoin"}
    assert fired == actions
    assert result.status == status
    if setting == "clinic":
        assert treatment(result, "cheeks").depth_mm.max == 1.0
        until = next(f.until for f in result.findings if f.code == "isotretinoin")
        assert str(until.date) == "2027-02-20"


def test_isotretinoin_stopped_long_ago_does_not_fire() -> None:
    result = plan(
        make_request(
            client={
                "medications": [
                    {"code": "isotretinoin", "status": "stopped", "days_since_stopped": 200}
                ]
            }
        )
    )
    assert "isotretinoin" not in codes(result.findings)


def test_referral_by_scar_type_lee2002() -> None:
    result = plan(
        make_request(
            concerns=[
                {
                    "indication": "acne_scars_atrophic",
                    "zones": ["cheeks"],
                    "scar_types": ["rolling", "icepick"],
                }
            ]
        )
    )
    referrals = {(r.code, r.for_) for r in result.referrals}
    assert ("tca_cross", "icepick") in referrals
    assert ("subcision", "rolling") in referrals
    assert result.status == "ok"


def test_minoxidil_pause_dhurat2013() -> None:
    result = plan(
        make_request(concerns=[{"indication": "androgenetic_alopecia", "zones": ["scalp"]}])
    )
    assert any("minoxidil on the day of needling" in a.avoid for a in result.aftercare)


@pytest.mark.parametrize(
    ("age", "code", "status"),
    [
        pytest.param(16, "age_under_18", "refused", id="age_under_18-fdaweb"),
        pytest.param(20, "age_18_21", "ok", id="age_18_21-fdaweb"),
    ],
)
def test_age_gate(age: int, code: str, status: str) -> None:
    result = plan(
        make_request(
            client={"age_years": age},
            concerns=[{"indication": "wrinkles_fine_lines", "zones": ["cheeks"]}],
        )
    )
    assert code in codes(result.findings)
    assert result.status == status


def test_single_use_and_photoprotection_stadelman2024() -> None:
    result = plan(make_request())
    assert "single_use_sterile_needles" in codes(result.pre_care)
    assert any(a.to_day >= 28 and any("SPF" in d for d in a.do) for a in result.aftercare)


def test_zone_level_deferral_keeps_other_zones() -> None:
    result = plan(
        make_request(
            client={
                "conditions": [
                    {"code": "acne_inflammatory", "status": "active", "zones": ["cheeks"]}
                ]
            },
            concerns=[{"indication": "acne_scars_atrophic", "zones": ["cheeks", "chin"]}],
        )
    )
    assert treatment(result, "cheeks").status == "deferred"
    assert treatment(result, "cheeks").blocked_by == ["acne_inflammatory"]
    assert treatment(result, "chin").status == "planned"
    assert result.status == "ok"


def test_pregnancy_defers_everything() -> None:
    result = plan(make_request(client={"pregnant": True}))
    assert result.status == "deferred"
    assert result.schedule == []


def test_herpes_history_adds_antiviral_prophylaxis_gowda2021() -> None:
    result = plan(
        make_request(client={"conditions": [{"code": "herpes_labialis", "status": "history"}]})
    )
    assert "antiviral_prophylaxis" in codes(result.combinations)


def test_peel_of_unknown_depth_waits_as_medium() -> None:
    result = plan(
        make_request(client={"recent_procedures": [{"code": "chemical_peel", "days_ago": 20}]})
    )
    finding = next(f for f in result.findings if f.code == "chemical_peel")
    assert finding.until.after_days == 56
    assert str(finding.until.date) == "2026-12-28"


@pytest.mark.parametrize("indication", ["comedones", "acne_active", "keloid_scar"])
def test_requests_answered_without_a_plan(indication: str) -> None:
    result = plan(make_request(concerns=[{"indication": indication, "zones": ["cheeks"]}]))
    assert result.status == "refused"
    assert result.referrals


def test_zone_not_indicated() -> None:
    result = plan(
        make_request(concerns=[{"indication": "androgenetic_alopecia", "zones": ["cheeks"]}])
    )
    assert "zone_not_indicated" in codes(result.warnings)
    assert result.treatments[0].status == "excluded"


def test_two_indications_in_one_zone_take_the_lower_max() -> None:
    result = plan(
        make_request(
            concerns=[
                {"indication": "acne_scars_atrophic", "zones": ["cheeks"]},
                {"indication": "hyperpigmentation_pih", "zones": ["cheeks"]},
            ]
        )
    )
    assert {t.depth_mm.max for t in result.treatments} == {0.5}
    assert {t.sessions.interval_days for t in result.treatments} == {28}


def test_fitzpatrick_answers_give_the_phototype() -> None:
    answers = dict(  # noqa: C408
        eye_color=3,
        hair_color=3,
        skin_color_unexposed=3,
        freckles_unexposed=3,
        burn_after_long_sun=3,
        tan_depth=2,
        tan_within_hours=2,
        face_sun_sensitivity=2,
        last_sun_exposure=1,
        treatment_area_sun_exposure=2,
    )
    request = make_request()
    request["client"] = {"age_years": 30, "fitzpatrick_answers": answers}
    assert plan(request).phototype == 4


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"client": {"age_years": 130}}, "client.age_years"),
        ({"device": {"type": "pen", "needle_length_mm": 3.5}}, "device.needle_length_mm"),
        ({"concerns": [{"indication": "tattoo", "zones": ["cheeks"]}]}, "concerns[0].indication"),
        ({"concerns": [{"indication": "melasma", "zones": ["ear"]}]}, "concerns[0].zones[0]"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        plan(make_request(**change))
    assert field in str(caught.value)


def test_every_vocabulary_code_is_in_the_knowledge_base() -> None:
    contract_zones = (
        "forehead glabella periorbital nose cheeks perioral upper_lip chin jawline neck "
        "decolletage scalp abdomen thighs buttocks arms back hands"
    ).split()
    assert set(contract_zones) == set(KB.zones)
    assert len(KB.indications) == 15
    assert len(KB.conditions) == 19
    assert len(KB.medications) == 7
    assert len(KB.procedures) == 7
