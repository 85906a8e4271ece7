"""The result shape: `score` and `band` always present, optional fields only where used."""

from __future__ import annotations

from microneedling.scores import ScoreResult, calculate, change

CORE = {"instrument", "score", "band", "range", "references"}
OPTIONAL = {"scale", "part", "overall_opinion", "subclass", "responded"}


def test_json_keeps_a_null_band_and_drops_unused_optional_fields() -> None:
    data = calculate(
        "vss", {"pigmentation": 1, "vascularity": 1, "pliability": 1, "height": 1}
    ).as_json()
    assert data["band"] is None
    assert set(data) >= CORE
    assert not OPTIONAL & set(data)
    assert data["range"] == [0, 13]


def test_json_keeps_the_optional_fields_an_instrument_uses() -> None:
    data = calculate("gais", {"scale": "five_point", "rating": 4}).as_json()
    assert (data["scale"], data["responded"]) == ("five_point", False)


def test_results_are_immutable() -> None:
    result = ScoreResult(instrument="x", score=1, band=None, range=(0, 2), references=("r",))
    assert result.model_config.get("frozen") is True


def test_change_json_nests_both_results() -> None:
    rating = {"pigmentation": 1, "vascularity": 1, "pliability": 1, "height": 1}
    data = change("vss", rating, {**rating, "height": 3}).as_json()
    assert data["before"]["score"] == 4
    assert data["after"]["score"] == 6
    assert (data["absolute_change"], data["relative_change_pct"]) == (2, 50.0)
    assert data["clinically_meaningful_improvement"] is None
    assert "responded" not in data["before"]
