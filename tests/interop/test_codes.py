"""Every ICD-10-CM code the export sends exists in the offline ICD-10-CM tabular list
(`simple-icd-10-cm`, CMS April 1, 2026 release), is billable, and says what the mapping claims."""

from __future__ import annotations

import pytest

from microneedling.interop import codes
from microneedling.knowledge import load_knowledge

icd = codes.icd_10_cm()
MAPPED = sorted(codes.ICD_10_CM_BY_INDICATION.items())


@pytest.mark.parametrize(("indication", "mapped"), MAPPED, ids=[i for i, _ in MAPPED])
def test_each_icd_10_cm_code_exists_is_billable_and_has_its_title(
    indication: str, mapped: codes.Icd10Code
) -> None:
    assert indication in load_knowledge().indications
    assert icd.is_valid_item(mapped.code)
    assert icd.is_leaf(mapped.code), "a billable code has no children"
    assert icd.get_description(mapped.code) == mapped.title


@pytest.mark.parametrize(
    ("code", "category", "title"),
    [
        ("L64.9", "L64", "Androgenic alopecia"),
        ("L63.9", "L63", "Alopecia areata"),
    ],
)
def test_alopecia_codes_sit_in_their_category(code: str, category: str, title: str) -> None:
    assert icd.get_parent(code) == category
    assert icd.get_description(category) == title


def test_acne_scars_are_scars_that_l90_5_includes_and_not_the_raised_ones_it_excludes() -> None:
    assert "Scar NOS" in icd.get_inclusion_term("L90.5")
    assert "hypertrophic scar (L91.0)" in icd.get_excludes2("L90.5")
    assert "keloid scar (L91.0)" in icd.get_excludes2("L90.5")


def test_indications_without_a_confirmed_code_are_not_mapped() -> None:
    unmapped = {"wrinkles_fine_lines", "skin_laxity_texture", "enlarged_pores"}
    assert unmapped.isdisjoint(codes.ICD_10_CM_BY_INDICATION)
    assert {"surgical_burn_scars", "transdermal_delivery"}.isdisjoint(codes.ICD_10_CM_BY_INDICATION)


def test_an_icd_10_cm_code_maps_back_to_its_indication() -> None:
    assert codes.indication_for_icd_10_cm("L81.1") == "melasma"
    assert codes.indication_for_icd_10_cm("L70.0") is None


def test_scores_have_a_ucum_unit_and_ita_is_in_degrees() -> None:
    assert codes.ucum_unit("ita") == ("deg", "°")
    assert codes.ucum_unit("ecca") == ("{score}", "score")
