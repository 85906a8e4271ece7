"""Each number's two kinds of citation, the grades of the audited papers, and docs/evidence.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from microneedling.knowledge import load_knowledge
from microneedling.knowledge.evidence import cited_items, counts, evidence_markdown

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).parent / "microneedling"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, check=False)


def items_by_path() -> dict[str, dict[str, object]]:
    return {item.item: item.as_json() for item in cited_items(load_knowledge())}


def test_docs_evidence_md_is_current() -> None:
    """Regenerate with `microneedling evidence --write docs/evidence.md`."""
    expected = evidence_markdown(load_knowledge())
    assert (ROOT / "docs" / "evidence.md").read_text(encoding="utf-8") == expected


def test_evidence_md_counts_match_the_items() -> None:
    items = cited_items(load_knowledge())
    numbers = counts(items)["number"]
    total = sum(1 for item in items if item.kind == "number")
    row = f"| numbers | {numbers['supported']} | {numbers['derived']} | {total} |"
    assert row in evidence_markdown(load_knowledge())
    assert numbers["supported"] > 0 and numbers["derived"] > 0


def test_every_derived_item_cites_only_the_expert_default() -> None:
    for item in cited_items(load_knowledge()):
        if item.status == "derived":
            assert set(item.references) <= {"expert_default"}, item.item
        else:
            assert "expert_default" not in item.references, item.item
            assert item.references, item.item


def test_every_supported_number_carries_a_quote() -> None:
    supported = [
        item
        for item in cited_items(load_knowledge())
        if item.kind == "number" and item.status == "supported"
    ]
    assert supported
    assert [item.item for item in supported if not item.quote.strip()] == []


@pytest.mark.parametrize(
    ("path", "status", "background"),
    [
        pytest.param("indications.melasma.depth_mm", "derived", {"budamakuntla2013"}, id="melasma"),
        pytest.param(
            "indications.surgical_burn_scars.interval_days", "derived", {"aust2010"}, id="burns"
        ),
        pytest.param(
            "indications.hypopigmentation_vitiligo.sessions", "derived", {"mina2018"}, id="mina"
        ),
        pytest.param("rules.phototype_start", "derived", {"cohen2016"}, id="phototype-cohen"),
        pytest.param("rules.interval_by_depth", "derived", {"harris2015"}, id="interval-depth"),
        pytest.param("aftercare.minoxidil_pause.timing", "derived", {"dhurat2013"}, id="minox"),
        pytest.param("pre_care.minoxidil_pause_before", "derived", {"dhurat2013"}, id="minox-pre"),
        pytest.param("claims.claim_redness_1_2_days", "derived", {"gowda2021"}, id="redness"),
        pytest.param("indications.acne_scars_atrophic.depth_mm", "supported", set(), id="harris"),
    ],
)
def test_audited_numbers_are_graded_by_what_their_sources_report(
    path: str, status: str, background: set[str]
) -> None:
    item = items_by_path()[path]
    assert item["status"] == status
    assert background <= set(item["background"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ref", "grade"),
    [
        ("harris2015", ["review"]),
        ("jacob2001", ["review"]),
        ("singh2016", ["review"]),
        ("asif2016", ["case_series"]),
        ("mina2018", ["case_series"]),
        ("faghihi2021", ["case_series"]),
    ],
)
def test_papers_are_graded_by_their_design(ref: str, grade: list[str]) -> None:
    assert load_knowledge().references[ref].evidence == grade


@pytest.mark.parametrize("ref", ["pahwa2012", "khater2016", "prausnitz2004"])
def test_unconfirmed_references_are_not_cited(ref: str) -> None:
    kb = load_knowledge()
    assert ref not in kb.references
    assert all(ref not in item.references + item.background for item in cited_items(kb))


def test_every_claim_verdict_and_visible_timing_has_a_grade() -> None:
    kb = load_knowledge()
    assert all(claim.evidence for claim in kb.claims.values())
    timed = [i for i in kb.indications.values() if i.visible]
    assert timed and all(i.visible_source is not None for i in timed)
    assert kb.combinations["hydroquinone"].evidence == ["sr"]


def test_faghihi_is_summarised_as_a_tendency() -> None:
    notes = load_knowledge().indications["androgenetic_alopecia"].notes
    assert "tended" in notes and "beat 1.2 mm" not in notes


def test_sources_lists_each_number_with_both_kinds_of_citation() -> None:
    result = run("sources", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["item"]: row for row in json.loads(result.stdout)}
    depth = rows["indications.melasma.depth_mm"]
    assert depth["evidence"] == ["derived"]
    assert "bailey2022" in depth["background"]
    interval = rows["indications.acne_scars_atrophic.interval_days"]
    assert interval["references"] == ["alam2014", "harris2015"]
    assert "2-week" in interval["quote"]


def test_sources_references_lists_the_references() -> None:
    result = run("sources", "--references", "--json")
    assert result.returncode == 0, result.stderr
    grades = {row["id"]: row["evidence"] for row in json.loads(result.stdout)}
    assert grades["harris2015"] == ["review"]


def test_explain_shows_citations_per_number_and_a_reference_uses() -> None:
    rows = json.loads(run("explain", "striae", "--json").stdout)
    citations = {c["item"]: c for c in rows[0]["citations"]}
    assert citations["indications.striae.sessions"]["references"] == ["naspolini2019"]
    assert citations["indications.striae.depth_mm"]["status"] == "derived"
    text = run("explain", "striae").stdout
    assert "expert default (derived)" in text and "quote:" in text
    (reference,) = json.loads(run("explain", "alam2014", "--json").stdout)
    assert "rules.interval_by_depth" in reference["background_for"]
    assert "indications.acne_scars_atrophic.interval_days" in reference["reports"]


def test_evidence_command_writes_the_document(tmp_path: Path) -> None:
    target = tmp_path / "evidence.md"
    result = run("evidence", "--write", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8") == evidence_markdown(load_knowledge())
