"""Correcting a record field by field: each field gets the control its type calls for (a date
picker, a number box, choices, one row per item), never a box that expects JSON."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.web.page_world import Browser, PageWorld
from tests.web.pages.test_pages import count, error_beside, with_plan
from tests.world import TODAY

from microneedling.records.models import TreatmentSession
from microneedling.services.clinical_records import read, record
from microneedling.services.treatment_sessions import SESSION


def a_session(clinic: PageWorld) -> int:
    data = {
        "plan_id": with_plan(clinic),
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": True,
        "zones": [{"zone": "cheeks", "needle_mm": 1.0, "passes": 4}],
    }
    saved = record(clinic.records, clinic.actors["clinician"], SESSION, clinic.client_id, data)
    return saved.id  # type: ignore[attr-defined,no-any-return]


def control(page: str, name: str) -> str:
    found = re.search(rf'<(input|select|textarea)[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert found, f"no control named {name}"
    return found.group(0)


def test_each_correctable_field_has_a_link_and_free_form_answers_have_none(
    clinician: Browser, clinic: PageWorld
) -> None:
    session_id = a_session(clinic)
    page = clinician.get(f"/records/session/{session_id}").text
    assert f'href="/records/session/{session_id}?correct=performed_on#amend"' in page
    assert "Corrected value" not in page and "read as such" not in page
    intake_page = clinician.get("/records/intake/1").text
    assert "?correct=answers" not in intake_page


@pytest.mark.parametrize(
    ("field", "name", "expected"),
    [
        ("performed_on", "performed_on", 'type="date"'),
        ("zones", "zones.0.needle_mm", 'type="number"'),
        ("zones", "zones.0.zone", "<select"),
        ("device", "device", "<select"),
        ("single_use", "single_use", "<select"),
        ("notes", "notes", "<textarea"),
        ("lot_number", "lot_number", 'type="text"'),
    ],
)
def test_the_control_follows_the_fields_type(
    clinician: Browser, clinic: PageWorld, field: str, name: str, expected: str
) -> None:
    session_id = a_session(clinic)
    page = clinician.get(f"/records/session/{session_id}?correct={field}").text
    assert expected in control(page, name)


def test_the_topicals_are_ticked_from_the_knowledge_base(
    clinician: Browser, clinic: PageWorld
) -> None:
    session_id = a_session(clinic)
    page = clinician.get(f"/records/session/{session_id}?correct=topicals").text
    assert 'type="checkbox"' in control(page, "topicals")


def test_a_zones_depth_is_corrected_in_its_own_box(clinician: Browser, clinic: PageWorld) -> None:
    session_id = a_session(clinic)
    clinician.get(f"/records/session/{session_id}?correct=zones")
    form: list[tuple[str, Any]] = [
        ("field", "zones"),
        ("zones.0.zone", "cheeks"),
        ("zones.0.needle_mm", "0.75"),
        ("zones.0.passes", "4"),
        ("reason", "depth misread from the pen"),
    ]
    page = clinician.post(f"/records/session/{session_id}/amend", form)
    assert page.status_code == 200 and "Original (session" in page.text
    corrected = read(clinic.records, clinic.actors["clinician"], SESSION, session_id + 1)
    assert corrected.zones[0]["needle_mm"] == 0.75  # type: ignore[attr-defined]


def test_a_bad_depth_is_named_beside_its_box_and_nothing_is_saved(
    clinician: Browser, clinic: PageWorld
) -> None:
    session_id = a_session(clinic)
    clinician.get(f"/records/session/{session_id}?correct=zones")
    before = count(clinic, TreatmentSession)
    form = [
        ("field", "zones"),
        ("zones.0.zone", "cheeks"),
        ("zones.0.needle_mm", "9"),
        ("zones.0.passes", "4"),
        ("reason", "typo"),
    ]
    page = clinician.post(f"/records/session/{session_id}/amend", form)
    assert page.status_code == 422
    assert "less than or equal" in error_beside(page.text, "zones-0-needle_mm")
    assert 'value="9"' in control(page.text, "zones.0.needle_mm")
    assert count(clinic, TreatmentSession) == before


def test_no_field_chosen_is_named(clinician: Browser, clinic: PageWorld) -> None:
    session_id = a_session(clinic)
    clinician.get(f"/records/session/{session_id}")
    page = clinician.post(f"/records/session/{session_id}/amend", {"reason": "why not"})
    assert page.status_code == 422 and "choose a field that can be corrected" in page.text
