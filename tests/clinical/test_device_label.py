"""Revision 2b: where the authorised device's label (DEN160029) is stricter, the label wins."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import make_request

from microneedling import plan
from microneedling.knowledge import load_knowledge

KB = load_knowledge()
LABEL = {"fdaweb", "den160029"}


def actions(result: Any, code: str) -> set[str]:
    return {f.action for f in result.findings if f.code == code}


def warnings(result: Any, code: str) -> list[Any]:
    return [w for w in result.warnings if w.code == code]


@pytest.mark.parametrize("setting", ["clinic", "home"])
def test_current_isotretinoin_defers_until_stopped_den160029(setting: str) -> None:
    result = plan(
        make_request(
            setting=setting,
            client={"medications": [{"code": "isotretinoin", "status": "current"}]},
        )
    )
    (defer,) = [f for f in result.findings if f.action == "defer"]
    assert defer.code == "isotretinoin" and defer.zones is None
    assert defer.until is not None and defer.until.condition == "isotretinoin stopped"
    assert set(defer.references) >= LABEL
    assert "clinician_only" not in actions(result, "isotretinoin")
    assert result.status != "ok"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("clinic", {"clinician_only", "warn"}), ("home", {"refuse"})],
)
def test_isotretinoin_stopped_under_180_days_clinic_1mm_with_warning_home_refuses(
    setting: str, expected: set[str]
) -> None:
    result = plan(
        make_request(
            setting=setting,
            client={
                "medications": [
                    {"code": "isotretinoin", "status": "stopped", "days_since_stopped": 30}
                ]
            },
        )
    )
    assert actions(result, "isotretinoin") == expected
    if setting == "clinic":
        assert result.treatments[0].depth_mm.max == 1.0
    else:
        assert result.status == "refused"


def test_breastfeeding_defers_until_weaned_den160029() -> None:
    result = plan(make_request(client={"breastfeeding": True}))
    (finding,) = [f for f in result.findings if f.code == "breastfeeding"]
    assert finding.action == "defer" and finding.until.condition == "weaned"
    assert set(finding.references) >= LABEL
    assert result.status == "deferred"


@pytest.mark.rule("contraindication:bleeding_disorder")
@pytest.mark.parametrize("setting", ["clinic", "home"])
def test_bleeding_disorder_refuses_den160029(setting: str) -> None:
    result = plan(
        make_request(
            setting=setting,
            client={"conditions": [{"code": "bleeding_disorder", "status": "history"}]},
        )
    )
    assert actions(result, "bleeding_disorder") == {"refuse"}
    assert result.status == "refused"


def test_anticoagulants_stay_clinician_only() -> None:
    result = plan(
        make_request(client={"medications": [{"code": "anticoagulant", "status": "current"}]})
    )
    assert actions(result, "anticoagulant") == {"clinician_only"}
    assert result.status == "ok"


def test_metal_allergy_reason_names_the_labels_stainless_steel_contraindication() -> None:
    result = plan(
        make_request(client={"conditions": [{"code": "metal_allergy", "status": "history"}]})
    )
    (clinician,) = [f for f in result.findings if f.action == "clinician_only"]
    assert "stainless steel" in clinician.reason and set(clinician.references) >= LABEL


@pytest.mark.rule("warning:off_label_depth", "rule:device_label")
@pytest.mark.parametrize(
    ("indication", "zone", "length", "expected"),
    [
        pytest.param("acne_scars_atrophic", "cheeks", None, True, id="cheeks_2mm"),
        pytest.param("surgical_burn_scars", "abdomen", None, True, id="abdomen_2_5mm"),
        pytest.param("acne_scars_atrophic", "cheeks", 1.5, False, id="asked_1_5mm"),
        pytest.param("wrinkles_fine_lines", "cheeks", None, False, id="wrinkles_1_5mm"),
    ],
)
def test_off_label_depth_on_every_planned_depth_above_1_5mm(
    indication: str, zone: str, length: float | None, expected: bool
) -> None:
    device: dict[str, Any] = {"type": "pen"}
    if length is not None:
        device["needle_length_mm"] = length
    result = plan(
        make_request(device=device, concerns=[{"indication": indication, "zones": [zone]}])
    )
    found = warnings(result, "off_label_depth")
    assert bool(found) == expected
    assert (
        result.treatments[0].depth_mm.max > KB.rules.device_label.evaluated_up_to_mm
    ) == expected
    if expected:
        assert KB.zones[zone].name in found[0].message and set(found[0].references) >= LABEL


@pytest.mark.rule("warning:off_label_delivery")
@pytest.mark.parametrize(
    ("concern", "topicals", "named"),
    [
        pytest.param(("melasma", "cheeks"), [], "Tranexamic acid", id="txa_combination"),
        pytest.param(("acne_scars_atrophic", "cheeks"), [], "Platelet-rich plasma", id="prp"),
        pytest.param(("alopecia_areata", "scalp"), [], "Triamcinolone", id="triamcinolone"),
        pytest.param(("transdermal_delivery", "cheeks"), [], "Transdermal", id="delivery"),
        pytest.param(("striae", "abdomen"), ["minoxidil"], "Minoxidil", id="own_minoxidil"),
        pytest.param(("striae", "abdomen"), ["tranexamic_acid"], "Tranexamic", id="own_txa"),
    ],
)
def test_off_label_delivery_wherever_a_drug_or_biologic_goes_on_needled_skin(
    concern: tuple[str, str], topicals: list[str], named: str
) -> None:
    indication, zone = concern
    result = plan(
        make_request(concerns=[{"indication": indication, "zones": [zone]}], topicals=topicals)
    )
    messages = [w.message for w in warnings(result, "off_label_delivery")]
    assert any(message.startswith(named) for message in messages), messages
    assert "den160029" in warnings(result, "off_label_delivery")[0].references


def test_no_off_label_delivery_for_needling_alone_or_minoxidil_off_channels() -> None:
    plain = plan(make_request(concerns=[{"indication": "striae", "zones": ["abdomen"]}]))
    assert not warnings(plain, "off_label_delivery")
    hair = plan(
        make_request(concerns=[{"indication": "androgenetic_alopecia", "zones": ["scalp"]}])
    )
    assert not [w for w in warnings(hair, "off_label_delivery") if "Minoxidil" in w.message]


def test_no_row_calls_hyaluronic_acid_safe_on_channels_on_soltani2014() -> None:
    row = KB.topicals["hyaluronic_acid_sterile"]
    assert "soltani2014" not in row.references
    assert "friedmann2024" in row.references
    assert "den160029" in KB.references
