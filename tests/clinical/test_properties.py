"""Invariants of the planner, checked over generated requests."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from microneedling import plan
from microneedling.knowledge import load_knowledge

KB = load_knowledge()
PLANNABLE = sorted(code for code, row in KB.indications.items() if row.answer is None)

requests = st.fixed_dictionaries(
    {
        "setting": st.sampled_from(["clinic", "home"]),
        "device": st.fixed_dictionaries(
            {"type": st.sampled_from(["pen", "roller", "stamp"])},
            optional={"needle_length_mm": st.sampled_from([0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0])},
        ),
        "client": st.fixed_dictionaries(
            {
                "age_years": st.integers(16, 80),
                "fitzpatrick": st.integers(1, 6),
                "pregnant": st.booleans(),
            }
        ),
        "concerns": st.lists(
            st.fixed_dictionaries(
                {
                    "indication": st.sampled_from(PLANNABLE),
                    "zones": st.lists(st.sampled_from(sorted(KB.zones)), min_size=1, max_size=3),
                }
            ),
            min_size=1,
            max_size=3,
        ),
        "as_of": st.just("2026-11-22"),
        "start_date": st.sampled_from([None, "2026-12-01"]),
    }
)


@settings(max_examples=150, deadline=None)
@given(requests)
def test_no_planned_depth_above_the_zone_cap(request: dict[str, Any]) -> None:
    result = plan(request)
    for item in result.treatments:
        if item.depth_mm is None:
            continue
        zone = KB.zones[item.zone]
        cap = (
            zone.home_cap.mm
            if request["setting"] == "home" and zone.home_cap
            else zone.clinic_cap.mm
        )
        assert item.depth_mm.first_session <= item.depth_mm.max <= cap
    for session in result.schedule:
        for zone, depth in session.depth_mm.items():
            assert depth <= KB.zones[zone].clinic_cap.mm


@settings(max_examples=100, deadline=None)
@given(requests)
def test_global_defer_or_refuse_is_never_ok(request: dict[str, Any]) -> None:
    result = plan(request)
    if any(f.zones is None and f.action in ("defer", "refuse") for f in result.findings):
        assert result.status != "ok"


@settings(max_examples=50, deadline=None)
@given(requests)
def test_same_request_same_plan(request: dict[str, Any]) -> None:
    assert plan(request) == plan(request)


@settings(max_examples=100, deadline=None)
@given(requests)
def test_every_number_maps_to_its_row_and_references(request: dict[str, Any]) -> None:
    result = plan(request)
    for item in result.treatments:
        for name, source in item.sources.items():
            assert set(source.references) <= set(item.references), name
            assert source.row.split("/")[0] in {
                "indications",
                "zones",
                "rules",
                "devices",
                "contraindications",
                "request",
            }
            if source.row.startswith("zones/"):
                _, zone, field = source.row.split("/")
                assert getattr(KB.zones[zone], field).references == source.references
    cited = {ref.id for ref in result.references}
    assert all(set(t.references) <= cited for t in result.treatments)
