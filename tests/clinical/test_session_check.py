"""Session warnings against the plan: each warning fires, with its number from the plan."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.conftest import make_request

from microneedling.clinical.models import Finding, Until
from microneedling.clinical.planner import plan
from microneedling.clinical.session_check import LoggedSession, LoggedZone, session_warnings
from microneedling.knowledge import load_knowledge

DAY = dt.date(2026, 12, 1)
PLAN = plan(make_request(concerns=[{"indication": "acne_scars_atrophic", "zones": ["cheeks"]}]))
CHEEKS = next(t for t in PLAN.treatments if t.zone == "cheeks")
INTERVAL = CHEEKS.sessions.interval_days if CHEEKS.sessions else 0
MAX_MM = CHEEKS.depth_mm.max if CHEEKS.depth_mm else 0.0


def _log(
    needle_mm: float = 1.0,
    zone: str = "cheeks",
    single_use: bool = True,
    topicals: tuple[str, ...] = (),
    on: dt.date = DAY,
) -> LoggedSession:
    return LoggedSession(on, [LoggedZone(zone, needle_mm)], single_use, topicals)


def _codes(
    logged: LoggedSession, previous: dt.date | None = None, with_plan: bool = True
) -> list[str]:
    found = session_warnings(logged, PLAN if with_plan else None, previous, load_knowledge())
    return [w.code for w in found]


def test_a_session_within_the_plan_has_no_warnings() -> None:
    assert _codes(_log(MAX_MM), previous=DAY - dt.timedelta(days=INTERVAL)) == []


def test_a_needle_longer_than_the_plan_allows_is_flagged_with_both_lengths() -> None:
    found = session_warnings(_log(MAX_MM + 0.5), PLAN, None, load_knowledge())
    assert [w.code for w in found] == ["depth_above_plan"]
    assert f"{MAX_MM + 0.5:g} mm logged" in found[0].message
    assert f"at most {MAX_MM:g} mm" in found[0].message


def test_a_session_sooner_than_the_interval_is_flagged() -> None:
    assert INTERVAL > 1
    previous = DAY - dt.timedelta(days=INTERVAL - 1)
    found = session_warnings(_log(), PLAN, previous, load_knowledge())
    assert [w.code for w in found] == ["interval_too_short"]
    assert f"interval is {INTERVAL} days" in found[0].message


def test_a_zone_the_plan_does_not_treat_is_flagged() -> None:
    assert _codes(_log(zone="forehead")) == ["zone_not_in_plan"]


@pytest.mark.rule("session_warning:needles_not_single_use")
def test_needles_not_confirmed_single_use_are_flagged_with_the_transmission_reference() -> None:
    found = session_warnings(_log(single_use=False), PLAN, None, load_knowledge())
    assert [w.code for w in found] == ["needles_not_single_use"]
    assert "stadelman2024" in found[0].references


@pytest.mark.rule("session_warning:topical_not_for_channels")
@pytest.mark.parametrize(
    ("topical", "flagged"),
    [(code, not row.safe_on_channels) for code, row in load_knowledge().topicals.items()],
)
def test_a_topical_unsafe_on_open_channels_is_flagged(topical: str, flagged: bool) -> None:
    assert ("topical_not_for_channels" in _codes(_log(topicals=(topical,)))) == flagged


def test_a_session_after_a_deferred_plan_is_flagged() -> None:
    deferred = plan(make_request(client={"pregnant": True}))
    assert deferred.status == "deferred"
    found = session_warnings(_log(), deferred, None, load_knowledge())
    assert "plan_not_go" in [w.code for w in found]


def test_a_session_without_a_plan_is_flagged() -> None:
    assert _codes(_log(), with_plan=False) == ["no_plan"]


def test_a_second_session_on_the_same_day_is_too_soon() -> None:
    assert _codes(_log(), previous=DAY) == ["interval_too_short"]


def _finding(action: str, zones: list[str] | None, until: dt.date | None = None) -> Finding:
    return Finding(
        code="herpes_labialis",
        action=action,
        zones=zones,
        until=Until(date=until) if until else Until(condition="healed"),
        reason="active infection",
        references=["fdaweb"],
    )


@pytest.mark.parametrize(
    ("finding", "zones"),
    [
        pytest.param(_finding("defer", ["cheeks", "forehead"]), ["cheeks"], id="zone-deferred"),
        pytest.param(_finding("refuse", ["cheeks"]), ["cheeks"], id="zone-refused"),
        pytest.param(_finding("defer", None), [None], id="global-deferral-holds-every-zone"),
        pytest.param(_finding("defer", ["forehead"]), [], id="another-zone"),
        pytest.param(_finding("clinician_only", ["cheeks"]), [], id="clinician-only-allows"),
        pytest.param(_finding("defer", ["cheeks"], DAY), [], id="deferral-ended-that-day"),
        pytest.param(
            _finding("defer", ["cheeks"], DAY + dt.timedelta(days=1)), ["cheeks"], id="not-yet"
        ),
    ],
)
def test_a_zone_the_latest_screening_holds_back_is_a_departure(
    finding: Finding, zones: list[str | None]
) -> None:
    found = session_warnings(_log(), PLAN, None, load_knowledge(), [finding])
    held = [d for d in found if d.code == "zone_held_by_finding"]
    assert [d.zone for d in held] == zones
    for departure in held:
        assert "Herpes labialis (cold sores)" in departure.message
        assert "herpes_labialis" not in departure.message and "fdaweb" in departure.references


def test_departures_name_the_zone_they_concern() -> None:
    found = session_warnings(_log(MAX_MM + 0.5, single_use=False), PLAN, None, load_knowledge())
    assert [(d.code, d.zone) for d in found] == [
        ("needles_not_single_use", None),
        ("depth_above_plan", "cheeks"),
    ]


def test_a_back_dated_session_close_to_a_later_one_is_too_soon() -> None:
    later = DAY + dt.timedelta(days=INTERVAL - 1)
    found = session_warnings(_log(), PLAN, later, load_knowledge())
    assert [w.code for w in found] == ["interval_too_short"]
    assert f"{INTERVAL - 1} days from the nearest other session" in found[0].message
