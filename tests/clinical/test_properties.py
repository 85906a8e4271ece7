"""Invariants of the planner, checked over generated valid requests.

The requests cover what screening reads: conditions with zones and variants, medications,
recent procedures, scar types on scar indications, topicals, pregnancy and breastfeeding, home
and clinic, with and without a start date.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from microneedling import plan
from microneedling.knowledge import load_knowledge

KB = load_knowledge()
PLANNABLE = sorted(code for code, row in KB.indications.items() if row.answer is None)
ZONES = sorted(KB.zones)
SCAR_INDICATIONS = sorted(code for code in PLANNABLE if KB.indications[code].accepts_scar_types)


def _variant(terms: dict[str, Any], code: str) -> st.SearchStrategy[str | None]:
    return st.sampled_from([None, *terms[code].variants])


def _with_optional_zones(entry: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.just(entry),
        st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True).map(
            lambda zones: {**entry, "zones": zones}
        ),
    )


def _condition(code: str) -> st.SearchStrategy[dict[str, Any]]:
    entry = st.builds(
        lambda status, variant: {
            "code": code,
            "status": status,
            **({"variant": variant} if variant else {}),
        },
        st.sampled_from(["active", "history"]),
        _variant(KB.conditions, code),
    )
    return entry.flatmap(_with_optional_zones)


def _medication(code: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.just({"code": code, "status": "current"}),
        st.integers(0, 400).map(
            lambda days: {"code": code, "status": "stopped", "days_since_stopped": days}
        ),
    )


def _procedure(code: str) -> st.SearchStrategy[dict[str, Any]]:
    entry = st.builds(
        lambda days, variant: {
            "code": code,
            "days_ago": days,
            **({"variant": variant} if variant else {}),
        },
        st.integers(0, 200),
        _variant(KB.procedures, code),
    )
    return entry.flatmap(_with_optional_zones)


def _concern(indication: str) -> st.SearchStrategy[dict[str, Any]]:
    scar_types = (
        st.lists(st.sampled_from(sorted(KB.scar_types)), max_size=2, unique=True)
        if indication in SCAR_INDICATIONS
        else st.just([])
    )
    return st.builds(
        lambda zones, scars: {
            "indication": indication,
            "zones": zones,
            **({"scar_types": scars} if scars else {}),
        },
        st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True),
        scar_types,
    )


def _unique_codes(
    codes: dict[str, Any], build: Any, max_size: int
) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(st.sampled_from(sorted(codes)), max_size=max_size, unique=True).flatmap(
        lambda chosen: st.tuples(*(build(code) for code in chosen)).map(list)
    )


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
                "breastfeeding": st.booleans(),
                "conditions": _unique_codes(KB.conditions, _condition, 2),
                "medications": _unique_codes(KB.medications, _medication, 2),
                "recent_procedures": _unique_codes(KB.procedures, _procedure, 2),
            }
        ),
        "concerns": st.lists(st.sampled_from(PLANNABLE).flatmap(_concern), min_size=1, max_size=3),
        "topicals": st.lists(st.sampled_from(sorted(KB.topicals)), max_size=2, unique=True),
        "as_of": st.just("2026-11-22"),
        "start_date": st.sampled_from([None, "2026-11-22", "2026-12-01", "2027-02-01"]),
    }
)


def _cap(zone: str, setting: str) -> float:
    row = KB.zones[zone]
    if setting == "home":
        assert row.home_cap is not None, f"{zone} planned at home"
        return row.home_cap.mm
    return row.clinic_cap.mm


@settings(max_examples=150, deadline=None)
@given(requests)
def test_no_planned_depth_above_the_zone_cap_or_home_cap(request: dict[str, Any]) -> None:
    result = plan(request)
    setting = request["setting"]
    for item in result.treatments:
        if item.depth_mm is None or item.status == "excluded":
            continue
        assert item.depth_mm.first_session <= item.depth_mm.max <= _cap(item.zone, setting)
    for session in result.schedule:
        for zone, depth in session.depth_mm.items():
            assert depth <= _cap(zone, setting)
    if setting == "home":
        assert "off_label_depth" not in {w.code for w in result.warnings}


@settings(max_examples=100, deadline=None)
@given(requests)
def test_global_defer_or_refuse_is_never_ok(request: dict[str, Any]) -> None:
    result = plan(request)
    if any(f.zones is None and f.action in ("defer", "refuse") for f in result.findings):
        assert result.status != "ok"


@settings(max_examples=100, deadline=None)
@given(requests.map(lambda r: {**r, "client": {**r["client"], "pregnant": True}}))
def test_pregnancy_is_never_ok(request: dict[str, Any]) -> None:
    result = plan(request)
    assert result.status != "ok"
    withheld = {"tranexamic_acid", "minoxidil", "hydroquinone"}
    assert not withheld & {c.code for c in result.combinations}


@settings(max_examples=150, deadline=None)
@given(requests)
def test_a_refuse_finding_on_a_zone_never_leaves_it_planned(request: dict[str, Any]) -> None:
    """A zone-scoped refusal excludes the treatments it names in every zone it lists. It acts
    on the concerns it was raised for: under 18, a cosmetic concern on the back is refused while
    scars on the same back go to a clinician, so a refused zone may still be planned for
    another concern, never for the refused one."""
    result = plan(request)
    for finding in result.findings:
        if finding.action != "refuse" or finding.zones is None:
            continue
        for zone in finding.zones:
            blocked = [t for t in result.treatments if finding.code in t.blocked_by]
            assert any(t.zone == zone for t in blocked), (finding.code, zone)
            assert all(t.status == "excluded" for t in blocked), (finding.code, zone)
    for item in result.treatments:
        if item.status == "planned":
            assert item.blocked_by == [], (item.zone, item.blocked_by)
    planned = {t.zone for t in result.treatments if t.status == "planned"}
    scheduled = {zone for session in result.schedule for zone in session.zones}
    assert scheduled <= planned


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
            if not source.row.startswith("request/"):
                assert source.references, name
        if item.status == "planned" and item.depth_mm is not None:
            assert {"depth_mm.max", "depth_mm.first_session"} <= set(item.sources)
    for finding in result.findings:
        if finding.until is not None and finding.until.after_days is not None:
            assert finding.references, finding.code
    cited = {ref.id for ref in result.references}
    assert all(set(t.references) <= cited for t in result.treatments)
    assert all(set(w.references) <= cited for w in result.warnings)


@settings(max_examples=150, deadline=None)
@given(requests)
def test_no_zone_is_needled_before_its_deferral_ends(request: dict[str, Any]) -> None:
    result = plan(request)
    for finding in result.findings:
        if finding.action != "defer" or finding.zones is None:
            continue
        for session in result.schedule:
            held = set(session.zones) & set(finding.zones)
            if not held:
                continue
            assert finding.until is not None and finding.until.date is not None, finding.code
            assert session.date is not None and session.date >= finding.until.date, held
