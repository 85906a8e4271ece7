"""Citation text for reference ids, from the knowledge-base data files."""

from __future__ import annotations

from microneedling.scores.references import citations, citations_for


def test_instrument_references_have_citations() -> None:
    known = citations()
    assert "Fitzpatrick TB" in known["fitzpatrick1988"]
    assert "Goodman" in known["goodman2006"]


def test_an_id_without_a_row_shows_as_itself() -> None:
    assert citations_for(("glogau1996", "nobody1900")) == [citations()["glogau1996"], "nobody1900"]
