"""The registry (scores.md summary): every code, its range and references, by code."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Any

import pytest
from score_helpers import ITA_TOLERANCE, worked_examples

from microneedling.errors import InputError
from microneedling.knowledge.models import Reference
from microneedling.scores import INSTRUMENTS, calculate, change, get
from microneedling.scores.registry import UNAVAILABLE, catalogue

# The summary table of scores.md: code -> score range.
SPEC_RANGES: dict[str, tuple[int, int]] = {
    "fitzpatrick_questionnaire": (0, 40),
    "glogau": (1, 4),
    "goodman_baron_qualitative": (1, 4),
    "goodman_baron_quantitative": (0, 84),
    "ecca": (0, 540),
    "masi": (0, 48),
    "mmasi": (0, 24),
    "gags": (0, 44),
    "gais": (1, 5),
    "vss": (0, 13),
    "posas": (6, 60),
    "salt": (0, 100),
    "norwood_hamilton": (1, 7),
    "ludwig": (1, 3),
    "ita": (-90, 90),
    "wrinkle_severity_rating_scale": (1, 5),
}
DATA = files("microneedling").joinpath("knowledge", "data")


def reference_rows(name: str) -> list[dict[str, Any]]:
    resource = DATA.joinpath(name)
    if not resource.is_file():
        return []
    rows: list[dict[str, Any]] = tomllib.loads(resource.read_text("utf-8")).get("reference", [])
    return rows


def test_every_instrument_of_the_specification_is_registered() -> None:
    assert set(INSTRUMENTS) == set(SPEC_RANGES)
    assert set(UNAVAILABLE) == {"facial_acne_scar_qol"}


@pytest.mark.parametrize(("code", "score_range"), SPEC_RANGES.items())
def test_registered_ranges_match_the_specification(code: str, score_range: tuple[int, int]) -> None:
    instrument = get(code)
    assert (instrument.code, instrument.score_range) == (code, score_range)
    assert instrument.references


@pytest.mark.parametrize("example", worked_examples())
def test_worked_examples_by_code(example: dict[str, Any]) -> None:
    result = calculate(example["code"], example["input"])
    assert result.instrument == example["code"]
    if example["code"] == "ita":
        assert result.score == pytest.approx(example["score"], abs=ITA_TOLERANCE)
    else:
        assert result.score == example["score"]
    assert result.band == example["band"]
    low, high = result.range
    assert low <= result.score <= high


def test_an_unknown_code_lists_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        get("dlqi")
    problem = caught.value.problems[0]
    assert problem.field == "code"
    assert "dlqi" in problem.message
    assert set(problem.allowed) == set(SPEC_RANGES)


def test_fasqol_is_registered_as_not_available() -> None:
    with pytest.raises(InputError, match="not available"):
        calculate("facial_acne_scar_qol", {})


def test_instrument_references_are_valid_knowledge_base_rows() -> None:
    rows = reference_rows("instrument_references.toml")
    ids = [Reference.model_validate(row).id for row in rows]
    assert len(ids) == len(set(ids))
    main_ids = {row["id"] for row in reference_rows("references.toml")}
    assert not set(ids) & main_ids, "an instrument reference is duplicated in references.toml"


def test_every_reference_id_of_every_instrument_resolves() -> None:
    known = {
        row["id"]
        for name in ("references.toml", "instrument_references.toml")
        for row in reference_rows(name)
    }
    if not reference_rows("references.toml"):
        known.add("goodman2006")  # lives in the main references file
    used = {reference for instrument in INSTRUMENTS.values() for reference in instrument.references}
    assert used <= known, used - known
    assert "layton2016" in known  # FASQoL, registered but not available


def test_catalogue_has_one_row_per_instrument_with_citations() -> None:
    rows = catalogue()
    assert [row["code"] for row in rows] == list(INSTRUMENTS)
    for row in rows:
        assert set(row) >= {"code", "name", "range", "references", "citations"}
        assert row["range"] == list(SPEC_RANGES[row["code"]])
        assert len(row["citations"]) == len(row["references"])
        assert all(
            citation != ref
            for citation, ref in zip(row["citations"], row["references"], strict=True)
        )
    gais = next(row for row in rows if row["code"] == "gais")
    assert gais["ranges"] == {"five_point": [1, 5], "signed": [-1, 3]}


def test_change_reports_absolute_and_relative_change() -> None:
    before = {"pigmentation": 2, "vascularity": 2, "pliability": 2, "height": 2}
    after = {"pigmentation": 1, "vascularity": 1, "pliability": 2, "height": 2}
    compared = change("vss", before, after)
    assert (compared.before.score, compared.after.score) == (8, 6)
    assert compared.absolute_change == -2
    assert compared.relative_change_pct == pytest.approx(-25.0)
    assert compared.clinically_meaningful_improvement is None
    assert compared.change_rule is None


def test_change_from_zero_has_no_relative_change() -> None:
    zero = {"pigmentation": 0, "vascularity": 0, "pliability": 0, "height": 0}
    compared = change("vss", zero, {**zero, "height": 1})
    assert (compared.absolute_change, compared.relative_change_pct) == (1, None)


def test_change_of_decimal_scores_is_exact() -> None:
    region = {"area": 2, "darkness": 2, "homogeneity": 1}
    before = dict.fromkeys(("forehead", "right_malar", "left_malar", "chin"), region)
    after = {**before, "forehead": {"area": 1, "darkness": 2, "homogeneity": 1}}
    compared = change("masi", before, after)
    assert compared.absolute_change == -0.9  # 0.3·1·3 less, not -0.8999999999999995


def test_change_names_which_assessment_is_wrong() -> None:
    good = {"grade": 2}
    with pytest.raises(InputError) as caught:
        change("wrinkle_severity_rating_scale", good, {"grade": 9})
    assert [problem.field for problem in caught.value.problems] == ["after.grade"]
    with pytest.raises(InputError) as caught:
        change("wrinkle_severity_rating_scale", {}, good)
    assert [problem.field for problem in caught.value.problems] == ["before.grade"]
