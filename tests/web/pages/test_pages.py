"""Every page through the ASGI app: it renders, its fragment answers HTMX, and a bad value
shows a message beside its field while nothing is saved."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from sqlalchemy import event, func, select
from tests.images import image
from tests.web.page_world import CLINIC, Browser, PageWorld, email_for
from tests.world import PASSWORD, TODAY

from microneedling.knowledge import load_knowledge
from microneedling.records.models import (
    AuditEntry,
    Client,
    Consent,
    Intake,
    Photo,
    PlanRecord,
    ScoreRecord,
    TreatmentSession,
    User,
)
from microneedling.services import clients as clients_service
from microneedling.services.clients import register_client
from microneedling.services.clinical_records import record
from microneedling.services.consents import consent_texts, current_version
from microneedling.services.course import client_course
from microneedling.services.intakes import INTAKE
from microneedling.services.plans import PLAN
from microneedling.services.treatment_sessions import SESSION

PNG = image("PNG")
START = (TODAY + dt.timedelta(days=7)).isoformat()
PLAN_FORM = [
    ("device.type", "pen"),
    ("c0.indication", "acne_scars_atrophic"),
    ("c0.zones", "cheeks"),
    ("c0.zones", "forehead"),
    ("start_date", START),
]


def count(clinic: PageWorld, model: Any) -> int:
    with clinic.records.transaction() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def error_beside(html: str, field_id: str) -> str:
    """The message shown beside a field (its `…-error` element), or fail."""
    found = re.search(rf'id="{re.escape(field_id)}-error">([^<]+)<', html)
    assert found, f"no message beside {field_id}"
    return found.group(1)


def with_intake(clinic: PageWorld, **answers: Any) -> int:
    data = {"fitzpatrick": 3, **answers}
    saved = record(
        clinic.records, clinic.actors["clinician"], INTAKE, clinic.client_id, {"answers": data}
    )
    return saved.id  # type: ignore[attr-defined,no-any-return]


def with_plan(clinic: PageWorld, **answers: Any) -> int:
    intake_id = with_intake(clinic, **answers)
    data = {
        "intake_id": intake_id,
        "device": {"type": "pen"},
        "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks", "forehead"]}],
        "start_date": START,
    }
    saved = record(clinic.records, clinic.actors["clinician"], PLAN, clinic.client_id, data)
    return saved.id  # type: ignore[attr-defined,no-any-return]


# --- log in, log out, CSRF ----------------------------------------------------------------


def test_a_page_asks_a_stranger_to_log_in(browser: Browser) -> None:
    response = browser.get("/clients", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/clients"


def test_a_wrong_password_is_shown_beside_the_password(browser: Browser) -> None:
    browser.get("/login")
    response = browser.post("/login", {"email": "clinician@riverside.example", "password": "nope"})
    assert response.status_code == 422
    assert "incorrect e-mail or password" in error_beside(response.text, "password")
    assert "mn_session" not in browser.client.cookies


def test_a_form_without_its_csrf_token_is_refused(browser: Browser) -> None:
    browser.get("/login")
    response = browser.client.post(
        "/login", data={"email": "clinician@riverside.example", "password": "x", "csrf_token": "0"}
    )
    assert response.status_code == 403


def test_a_session_cookie_is_http_only_and_log_out_ends_it(browser: Browser) -> None:
    browser.get("/login")
    response = browser.post(
        "/login",
        {"email": "owner@riverside.example", "password": "correct horse battery"},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"]
    assert "mn_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    browser.get("/clients")
    assert browser.post("/logout", follow_redirects=False).status_code == 303
    assert browser.get("/clients", follow_redirects=False).status_code == 303


def test_it_never_redirects_to_another_site_after_log_in(browser: Browser) -> None:
    browser.get("/login")
    response = browser.post(
        "/login",
        {
            "email": "owner@riverside.example",
            "password": "correct horse battery",
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/clients"


# --- clients ------------------------------------------------------------------------------


def test_the_client_list_searches_and_answers_htmx_with_rows_only(clinician: Browser) -> None:
    page = clinician.get("/clients?q=mor")
    assert "Moreau, Ada" in page.text and "<html" in page.text
    fragment = clinician.get("/clients?q=zzz", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "0 clients" in fragment.text


def test_the_client_list_filters_by_registration_date(clinician: Browser) -> None:
    today = TODAY
    shown = clinician.get(f"/clients?registered_from={today}&registered_to={today}")
    assert "Moreau, Ada" in shown.text
    later = today + dt.timedelta(days=1)
    assert "0 clients" in clinician.get(f"/clients?registered_from={later}").text
    bad = clinician.get("/clients?registered_from=someday")
    assert 'id="registered_from-error"' in bad.text and "Moreau, Ada" in bad.text


def test_it_registers_a_client(clinician: Browser, clinic: PageWorld) -> None:
    clinician.get("/clients/new")
    response = clinician.post("/clients", {"given_name": "Lina", "family_name": "Berg"})
    assert response.status_code == 200 and "Lina Berg" in response.text
    assert count(clinic, Client) == 2


def test_a_bad_birth_date_is_shown_beside_it_and_nothing_is_saved(
    clinician: Browser, clinic: PageWorld
) -> None:
    clinician.get("/clients/new")
    response = clinician.post(
        "/clients", {"given_name": "Lina", "family_name": "Berg", "birth_date": "1800-01-01"}
    )
    assert response.status_code == 422
    assert "between 1900-01-01 and today" in error_beside(response.text, "birth_date")
    assert 'value="Lina"' in response.text
    assert count(clinic, Client) == 1


def test_a_client_is_edited_against_the_version_read(clinician: Browser, clinic: PageWorld) -> None:
    form = clinician.get(f"/clients/{clinic.client_id}/edit")
    assert 'value="Moreau"' in form.text
    fields = {
        "given_name": "Ada",
        "family_name": "Moreau-Lang",
        "version": "1",
        "birth_date": "1990-04-02",
        "phototype": "3",
    }
    page = clinician.post(f"/clients/{clinic.client_id}", fields)
    assert "Ada Moreau-Lang" in page.text
    stale = clinician.post(f"/clients/{clinic.client_id}", {**fields, "family_name": "Lang"})
    assert stale.status_code == 422 and "changed by someone else" in stale.text
    bad = clinician.post(f"/clients/{clinic.client_id}", {**fields, "version": "2", "phone": "x"})
    assert bad.status_code == 422 and error_beside(bad.text, "phone")


def test_the_client_page_shows_the_timeline(clinician: Browser, clinic: PageWorld) -> None:
    with_plan(clinic)
    page = clinician.get(f"/clients/{clinic.client_id}")
    assert page.status_code == 200
    assert "screening: no findings" in page.text and "plan ok" in page.text


def _transactions_for(clinician: Browser, clinic: PageWorld, url: str) -> int:
    begun: list[object] = []
    listener = lambda *args: begun.append(args)  # noqa: E731 - the listener's identity to remove
    event.listen(clinic.records.sessions, "after_begin", listener)
    try:
        assert clinician.get(url).status_code == 200
    finally:
        event.remove(clinic.records.sessions, "after_begin", listener)
    return len(begun)


def test_course_pages_read_in_at_most_two_transactions_whatever_the_records(
    clinician: Browser, clinic: PageWorld
) -> None:
    plan_id = with_plan(clinic)
    urls = [
        f"/clients/{clinic.client_id}",
        f"/clients/{clinic.client_id}/session",
        f"/clients/{clinic.client_id}/photos",
        f"/clients/{clinic.client_id}/scores",
        f"/plans/{plan_id}",
        f"/plans/{plan_id}/handout",
    ]
    before = [_transactions_for(clinician, clinic, url) for url in urls]
    for days in (60, 120, 180):
        day = (TODAY - dt.timedelta(days=days)).isoformat()
        session = {"plan_id": plan_id, "performed_on": day, "device": "pen", "single_use": True}
        record(
            clinic.records,
            clinic.actors["clinician"],
            SESSION,
            clinic.client_id,
            {**session, "zones": [{"zone": "cheeks", "needle_mm": 1.0}]},
        )
        with_intake(clinic)
    after = [_transactions_for(clinician, clinic, url) for url in urls]
    assert after == before and max(after) <= 2


def test_the_handout_dates_the_next_session_from_the_one_done(
    clinician: Browser, clinic: PageWorld
) -> None:
    plan_id = with_plan(clinic)
    done_on = TODAY - dt.timedelta(days=2)
    record(
        clinic.records,
        clinic.actors["clinician"],
        SESSION,
        clinic.client_id,
        {
            "plan_id": plan_id,
            "performed_on": done_on.isoformat(),
            "device": "pen",
            "single_use": True,
            "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
        },
    )
    course = client_course(clinic.records, clinic.actors["read_only"], clinic.client_id)
    assert course.next_due is not None and course.next_due.date is not None
    handout = clinician.get(f"/plans/{plan_id}/handout").text
    assert f"<strong>{course.next_due.date.isoformat()}</strong>" in handout
    assert f"<strong>{START}</strong>" not in handout
    ics = clinician.get(f"/plans/{plan_id}/schedule.ics").text
    assert f"DTSTART;VALUE=DATE:{course.next_due.date:%Y%m%d}" in ics
    assert f"DTSTART;VALUE=DATE:{START.replace('-', '')}" not in ics


def test_alerts_in_the_notes_show_on_the_client_plan_and_session_pages(
    clinician: Browser, clinic: PageWorld
) -> None:
    with_plan(clinic)
    notes = "Prefers mornings\nALERT: allergic to lidocaine"
    clients_service.update_client(
        clinic.records,
        clinic.actors["clinician"],
        clinic.client_id,
        {"version": 1, "notes": notes, "phone": "+44 20 7946 0000"},
    )
    for url in ("", "/plan", "/session"):
        page = clinician.get(f"/clients/{clinic.client_id}{url}").text
        banner = re.search(r'<div class="alerts".*?</div>', page, re.S)
        assert banner and "allergic to lidocaine" in banner.group(0), url
        assert "Prefers mornings" not in banner.group(0)
    assert "+44 20 7946 0000" in clinician.get(f"/clients/{clinic.client_id}").text


# --- intake -------------------------------------------------------------------------------


def test_intake_findings_appear_as_the_form_is_filled(
    clinician: Browser, clinic: PageWorld
) -> None:
    clinician.get(f"/clients/{clinic.client_id}/intake")
    fragment = clinician.post(
        f"/clients/{clinic.client_id}/intake/check",
        {"fitzpatrick": "3", "pregnant": "true"},
        headers={"HX-Request": "true"},
    )
    assert "<html" not in fragment.text
    assert "pregnancy" in fragment.text and "until after delivery" in fragment.text
    assert count(clinic, Intake) == 0


def test_a_deferral_shows_as_a_badge_on_the_client_page(
    clinician: Browser, clinic: PageWorld
) -> None:
    clinician.get(f"/clients/{clinic.client_id}/intake")
    page = clinician.post(
        f"/clients/{clinic.client_id}/intake", {"fitzpatrick": "3", "pregnant": "true"}
    )
    assert page.url.path == f"/clients/{clinic.client_id}"
    assert 'class="badge badge-defer"' in page.text and "deferred until after delivery" in page.text


def test_a_bad_intake_answer_is_shown_beside_it_and_nothing_is_saved(
    clinician: Browser, clinic: PageWorld
) -> None:
    clinician.get(f"/clients/{clinic.client_id}/intake")
    response = clinician.post(
        f"/clients/{clinic.client_id}/intake",
        {"fitzpatrick": "3", "med.isotretinoin.status": "stopped", "med.isotretinoin.days": "soon"},
    )
    assert response.status_code == 422
    assert "valid integer" in error_beside(response.text, "med-isotretinoin-days")
    assert count(clinic, Intake) == 0


def test_an_intake_takes_the_phototype_on_record_or_needs_one(
    clinician: Browser, clinic: PageWorld
) -> None:
    clinician.get(f"/clients/{clinic.client_id}/intake")
    live = clinician.post(
        f"/clients/{clinic.client_id}/intake/check", {}, headers={"HX-Request": "true"}
    )
    assert "No findings" in live.text
    saved = clinician.post(f"/clients/{clinic.client_id}/intake", {})
    assert saved.url.path == f"/clients/{clinic.client_id}" and count(clinic, Intake) == 1
    other = register_client(
        clinic.records, clinic.actors["clinician"], {"given_name": "Bo", "family_name": "Ng"}
    )
    clinician.get(f"/clients/{other.id}/intake")
    response = clinician.post(f"/clients/{other.id}/intake", {"age_years": "40"})
    assert response.status_code == 422
    assert "exactly one of fitzpatrick" in error_beside(response.text, "fitzpatrick")
    assert count(clinic, Intake) == 1


def test_active_cold_sores_hold_back_every_facial_zone_live_and_as_a_badge(
    clinician: Browser, clinic: PageWorld
) -> None:
    clinician.get(f"/clients/{clinic.client_id}/intake")
    answers = {"fitzpatrick": "3", "cond.herpes_labialis.status": "active"}
    live = clinician.post(
        f"/clients/{clinic.client_id}/intake/check", answers, headers={"HX-Request": "true"}
    )
    assert "No findings" not in live.text
    name = load_knowledge().conditions["herpes_labialis"].name
    assert f"<strong>{name}</strong>" in live.text and "every facial zone" in live.text
    page = clinician.post(f"/clients/{clinic.client_id}/intake", answers)
    badge = re.search(
        r'<li class="badge badge-defer" data-code="herpes_labialis">(.*?)</li>', page.text, re.S
    )
    assert badge and f"<strong>{name}</strong>" in badge.group(1)
    assert "every facial zone" in badge.group(1)
    assert "screening: no findings" not in page.text


# --- plan ---------------------------------------------------------------------------------


def test_the_plan_preview_colours_the_zones(clinician: Browser, clinic: PageWorld) -> None:
    with_intake(clinic)
    clinician.get(f"/clients/{clinic.client_id}/plan")
    fragment = clinician.post(
        f"/clients/{clinic.client_id}/plan/preview", PLAN_FORM, headers={"HX-Request": "true"}
    )
    assert "<html" not in fragment.text
    assert 'data-zone="cheeks"' in fragment.text and "zone planned" in fragment.text
    assert "Plan status: <strong>ok</strong>" in fragment.text
    assert count(clinic, PlanRecord) == 0


def test_a_plan_without_zones_says_so_beside_the_zones(
    clinician: Browser, clinic: PageWorld
) -> None:
    with_intake(clinic)
    clinician.get(f"/clients/{clinic.client_id}/plan")
    response = clinician.post(
        f"/clients/{clinic.client_id}/plans",
        [("device.type", "pen"), ("c0.indication", "acne_scars_atrophic")],
    )
    assert response.status_code == 422
    assert "at least 1 item" in error_beside(response.text, "c0-zones")
    assert count(clinic, PlanRecord) == 0


def test_the_second_concern_is_folded_until_it_holds_something(
    clinician: Browser, clinic: PageWorld
) -> None:
    """Folded, its fields are no tab stops; a form sent back with it filled shows it open."""
    folded = re.compile(r'<details class="concern-more"\s*>')
    opened = re.compile(r'<details class="concern-more"\s+open>')
    with_intake(clinic)
    blank = clinician.get(f"/clients/{clinic.client_id}/plan")
    assert folded.search(blank.text) and not opened.search(blank.text)
    assert '<div class="zone-map" id="map-c0" data-pick="c0" aria-hidden="true">' in blank.text
    response = clinician.post(
        f"/clients/{clinic.client_id}/plans", [*PLAN_FORM, ("c1.indication", "striae")]
    )
    assert response.status_code == 422
    assert opened.search(response.text) and not folded.search(response.text)
    assert error_beside(response.text, "c1-zones")


def test_a_plan_is_saved_shown_and_accepted_with_consent(
    clinician: Browser, clinic: PageWorld
) -> None:
    with_intake(clinic)
    clinician.get(f"/clients/{clinic.client_id}/plan")
    page = clinician.post(f"/clients/{clinic.client_id}/plans", PLAN_FORM)
    assert page.url.path.startswith("/plans/")
    assert 'class="legend"' in page.text and "Schedule" in page.text and "References" in page.text
    refused = clinician.post(f"{page.url.path}/consent", {"signer_name": "", "method": "oral"})
    assert refused.status_code == 422
    assert error_beside(refused.text, "method")
    assert count(clinic, Consent) == 0
    accepted = clinician.post(
        f"{page.url.path}/consent", {"signer_name": "Ada Moreau", "method": "written_signature"}
    )
    assert "Accepted by Ada Moreau" in accepted.text


def test_the_plan_page_names_findings_combinations_referrals_and_warnings_in_words(
    clinician: Browser, clinic: PageWorld
) -> None:
    with_intake(clinic)
    form = [*PLAN_FORM, ("c0.scar_types", "icepick")]
    page = clinician.post(f"/clients/{clinic.client_id}/plans", form)
    plan = re.search(r'<section class="plan-body".*', page.text, re.S) or re.search(
        r"<main.*", page.text, re.S
    )
    assert plan is not None
    coded = re.findall(r'<li[^>]*data-code="([a-z_0-9]+)"[^>]*>\s*<strong>(.*?)</strong>', plan[0])
    assert coded, "the plan lists coded items"
    for code, shown in coded:
        assert shown != code and "_" not in shown, (code, shown)
    kb = load_knowledge()
    referrals = {code for code, _ in coded if code in kb.referrals}
    assert referrals and all(kb.referrals[code].name in plan[0] for code in referrals)


def test_the_consent_text_is_shown_before_the_plan_is_accepted(
    clinician: Browser, clinic: PageWorld
) -> None:
    plan_id = with_plan(clinic)
    page = clinician.get(f"/plans/{plan_id}").text
    text = consent_texts()[("treatment", current_version("treatment"))]
    assert html.escape(text) in page
    assert page.index(html.escape(text)) < page.index("Accept the plan with the client")


def test_a_deferred_plan_cannot_be_accepted_and_its_handout_says_not_now_and_why(
    clinician: Browser, clinic: PageWorld
) -> None:
    plan_id = with_plan(clinic, pregnant=True)
    page = clinician.get(f"/plans/{plan_id}")
    assert "Accept the plan with the client" not in page.text and "is deferred" in page.text
    refused = clinician.post(
        f"/plans/{plan_id}/consent", {"signer_name": "Ada Moreau", "method": "written_signature"}
    )
    assert refused.status_code == 409 and count(clinic, Consent) == 0
    handout = clinician.get(f"/plans/{plan_id}/handout").text
    assert "Not now" in handout and "after delivery" in handout
    assert "review your results" not in handout and "After each session" not in handout


# --- session ------------------------------------------------------------------------------


def test_the_session_form_is_prefilled_from_the_plan(clinician: Browser, clinic: PageWorld) -> None:
    with_plan(clinic)
    page = clinician.get(f"/clients/{clinic.client_id}/session")
    assert re.search(r'name="z0.zone".*?<option value="forehead" selected>', page.text, re.S)
    assert re.search(r'name="z0.needle_mm"[^>]*value="1"', page.text)


def test_a_session_deeper_than_planned_is_saved_only_with_a_confirmed_reason(
    clinician: Browser, clinic: PageWorld
) -> None:
    with_plan(clinic)
    clinician.get(f"/clients/{clinic.client_id}/session")
    data = {
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": "true",
        "lot_number": "A1",
        "z0.zone": "forehead",
        "z0.needle_mm": "2.0",
        "z0.passes": "3",
    }
    live = clinician.post(
        f"/clients/{clinic.client_id}/session/check", data, headers={"HX-Request": "true"}
    )
    assert 'data-code="depth_above_plan"' in live.text and count(clinic, TreatmentSession) == 0
    refused = clinician.post(f"/clients/{clinic.client_id}/sessions", data)
    assert refused.status_code == 409 and count(clinic, TreatmentSession) == 0
    assert "2 mm logged" in error_beside(refused.text, "z0-needle_mm")
    assert re.search(r'id="z0-needle_mm"[^>]*aria-invalid="true"', refused.text)
    summary = refused.text.index('id="session-warnings"')
    assert summary < refused.text.index('id="performed_on"')
    assert '<a href="#z0-needle_mm">' in refused.text[summary:]
    assert error_beside(refused.text, "confirm_departures")
    assert error_beside(refused.text, "departure_reason")
    confirmed = {**data, "confirm_departures": "true"}
    unexplained = clinician.post(f"/clients/{clinic.client_id}/sessions", confirmed)
    assert unexplained.status_code == 409 and count(clinic, TreatmentSession) == 0
    reason = "deep boxcar scars; discussed with the client"
    saved = clinician.post(
        f"/clients/{clinic.client_id}/sessions", {**confirmed, "departure_reason": reason}
    )
    assert saved.url.path.startswith("/records/session/")
    assert "depth_above_plan" in saved.text and reason in saved.text


def test_a_session_in_a_zone_the_latest_intake_defers_departs(
    clinician: Browser, clinic: PageWorld
) -> None:
    with_plan(clinic)
    with_intake(clinic, pregnant=True)
    clinician.get(f"/clients/{clinic.client_id}/session")
    data = {
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": "true",
        "z0.zone": "cheeks",
        "z0.needle_mm": "1",
    }
    live = clinician.post(
        f"/clients/{clinic.client_id}/session/check", data, headers={"HX-Request": "true"}
    )
    assert 'data-code="zone_held_by_finding"' in live.text and "pregnancy" in live.text
    assert "follows the plan" not in live.text


def test_a_back_dated_session_is_too_soon_live_and_on_save_alike(
    clinician: Browser, clinic: PageWorld
) -> None:
    plan_id = with_plan(clinic)
    today = TODAY
    logged = {
        "plan_id": plan_id,
        "performed_on": today.isoformat(),
        "device": "pen",
        "single_use": True,
        "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
    }
    record(clinic.records, clinic.actors["clinician"], SESSION, clinic.client_id, logged)
    clinician.get(f"/clients/{clinic.client_id}/session")
    data = {
        "performed_on": (today - dt.timedelta(days=3)).isoformat(),
        "device": "pen",
        "single_use": "true",
        "z0.zone": "cheeks",
        "z0.needle_mm": "1",
    }
    live = clinician.post(
        f"/clients/{clinic.client_id}/session/check", data, headers={"HX-Request": "true"}
    )
    saved = clinician.post(f"/clients/{clinic.client_id}/sessions", data)
    codes = re.compile(r'data-code="([a-z_]+)"')
    assert codes.findall(live.text) == codes.findall(saved.text) == ["interval_too_short"]
    assert saved.status_code == 409
    assert "3 days from the nearest other session" in error_beside(saved.text, "performed_on")


def test_a_session_dated_after_today_is_refused_beside_the_date(
    clinician: Browser, clinic: PageWorld
) -> None:
    with_plan(clinic)
    clinician.get(f"/clients/{clinic.client_id}/session")
    data = {
        "performed_on": (TODAY + dt.timedelta(days=1)).isoformat(),
        "device": "pen",
        "single_use": "true",
        "z0.zone": "cheeks",
        "z0.needle_mm": "1",
    }
    live = clinician.post(
        f"/clients/{clinic.client_id}/session/check", data, headers={"HX-Request": "true"}
    )
    assert "after today" in live.text and "follows the plan" not in live.text
    saved = clinician.post(f"/clients/{clinic.client_id}/sessions", data)
    assert saved.status_code == 422 and count(clinic, TreatmentSession) == 0
    assert "after today" in error_beside(saved.text, "performed_on")


def test_a_form_sent_twice_saves_once_and_shows_the_record_already_saved(
    clinician: Browser, clinic: PageWorld
) -> None:
    with_plan(clinic)
    form = clinician.get(f"/clients/{clinic.client_id}/session").text
    found = re.search(r'name="form_token" value="([^"]+)"', form)
    assert found
    data = {
        "form_token": found.group(1),
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": "true",
        "z0.zone": "cheeks",
        "z0.needle_mm": "1",
    }
    refused = clinician.post(
        f"/clients/{clinic.client_id}/sessions", {**data, "z0.needle_mm": "2.5"}
    )
    assert refused.status_code == 409
    first = clinician.post(f"/clients/{clinic.client_id}/sessions", data)
    again = clinician.post(f"/clients/{clinic.client_id}/sessions", data)
    assert first.url.path == again.url.path and first.url.path.startswith("/records/session/")
    assert "already saved" in again.text and "already saved" not in first.text
    assert count(clinic, TreatmentSession) == 1


def test_a_bad_needle_length_is_shown_beside_it_and_nothing_is_saved(
    clinician: Browser, clinic: PageWorld
) -> None:
    with_plan(clinic)
    clinician.get(f"/clients/{clinic.client_id}/session")
    response = clinician.post(
        f"/clients/{clinic.client_id}/sessions",
        {
            "performed_on": TODAY.isoformat(),
            "device": "pen",
            "z0.zone": "cheeks",
            "z0.needle_mm": "9",
        },
    )
    assert response.status_code == 422
    assert "must be 3 or less" in error_beside(response.text, "z0-needle_mm")
    assert count(clinic, TreatmentSession) == 0


def test_an_adverse_event_is_logged_and_a_bad_severity_named(
    clinician: Browser, clinic: PageWorld
) -> None:
    with_plan(clinic)
    clinician.get(f"/clients/{clinic.client_id}/session")
    data = {
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": "true",
        "z0.zone": "cheeks",
        "z0.needle_mm": "1",
        "ae.event": "pinpoint bruising",
    }
    bad = clinician.post(f"/clients/{clinic.client_id}/sessions", {**data, "ae.severity": "huge"})
    assert bad.status_code == 422 and error_beside(bad.text, "ae-severity")
    assert count(clinic, TreatmentSession) == 0
    saved = clinician.post(f"/clients/{clinic.client_id}/sessions", {**data, "ae.severity": "mild"})
    assert "pinpoint bruising" in saved.text


# --- scores -------------------------------------------------------------------------------

GAGS = {
    "a.forehead": "1",
    "a.right_cheek": "2",
    "a.left_cheek": "2",
    "a.nose": "0",
    "a.chin": "1",
    "a.chest_upper_back": "0",
}


def test_a_score_form_lists_the_items_and_their_allowed_values(
    clinician: Browser, clinic: PageWorld
) -> None:
    page = clinician.get(f"/clients/{clinic.client_id}/scores?instrument=gags")
    assert 'name="a.chest_upper_back"' in page.text and '<option value="4"' in page.text
    assert "Show the items for this choice" not in page.text
    union = clinician.get(f"/clients/{clinic.client_id}/scores?instrument=posas&a.part=observer")
    assert 'name="a.vascularity"' in union.text
    assert "Show the items for this choice" in union.text
    assert 'formaction="/clients/' in union.text and 'formmethod="get"' not in union.text


def test_choosing_a_part_shows_its_items_by_post_and_saves_nothing(
    clinician: Browser, clinic: PageWorld
) -> None:
    clinician.get(f"/clients/{clinic.client_id}/scores?instrument=posas")
    page = clinician.post(
        f"/clients/{clinic.client_id}/scores/items", {"instrument": "posas", "a.part": "patient"}
    )
    assert page.status_code == 200
    assert 'name="a.pain"' in page.text
    refused = clinician.client.post(
        f"/clients/{clinic.client_id}/scores/items", data={"instrument": "posas"}
    )
    assert refused.status_code == 403
    assert "posas" not in clinician.get(f"/clients/{clinic.client_id}").text


def test_a_score_is_recorded_with_its_band_and_charted(
    clinician: Browser, clinic: PageWorld
) -> None:
    clinician.get(f"/clients/{clinic.client_id}/scores?instrument=gags")
    page = clinician.post(
        f"/clients/{clinic.client_id}/scores",
        {"instrument": "gags", "scored_on": TODAY.isoformat(), **GAGS},
    )
    assert "<strong>11</strong>, band <strong>mild</strong>" in page.text
    assert '<polyline class="series"' in page.text


def test_a_bad_score_item_is_shown_beside_it_and_nothing_is_saved(
    clinician: Browser, clinic: PageWorld
) -> None:
    clinician.get(f"/clients/{clinic.client_id}/scores?instrument=gags")
    response = clinician.post(
        f"/clients/{clinic.client_id}/scores",
        {"instrument": "gags", "scored_on": TODAY.isoformat(), **GAGS, "a.nose": "7"},
    )
    assert response.status_code == 422
    assert error_beside(response.text, "a-nose")
    assert count(clinic, ScoreRecord) == 0


# --- photos -------------------------------------------------------------------------------


def upload(browser: Browser, clinic: PageWorld, content: bytes, taken_on: str) -> Any:
    return browser.client.post(
        f"/clients/{clinic.client_id}/photos",
        data={"csrf_token": browser.token, "view": "front", "taken_on": taken_on, "zone": "cheeks"},
        files={"file": ("face.png", content, "image/png")},
    )


def test_photos_upload_and_compare_before_and_after(clinician: Browser, clinic: PageWorld) -> None:
    clinician.get(f"/clients/{clinic.client_id}/photos")
    assert upload(clinician, clinic, PNG, "2026-01-01").status_code == 200
    page = clinician.get(f"/clients/{clinic.client_id}/photos")
    assert (
        upload(clinician, clinic, image("PNG", colour=(180, 140, 120)), "2026-03-01").status_code
        == 200
    )
    page = clinician.get(f"/clients/{clinic.client_id}/photos")
    assert 'class="side-by-side"' in page.text and 'class="compare-slider"' in page.text
    photo = clinician.get("/photos/1/file")
    assert photo.headers["content-type"] == "image/png"
    assert photo.headers["x-content-type-options"] == "nosniff"


def test_a_file_that_is_not_an_image_is_refused_beside_the_file(
    clinician: Browser, clinic: PageWorld
) -> None:
    clinician.get(f"/clients/{clinic.client_id}/photos")
    response = upload(clinician, clinic, b"hello", "2026-01-01")
    assert response.status_code == 422
    assert "not a JPEG, PNG or WebP image" in error_beside(response.text, "file")
    assert count(clinic, Photo) == 0


# --- handout, calendar, records, audit ---------------------------------------------------


def test_the_handout_and_the_calendar_carry_the_session_dates(
    clinician: Browser, clinic: PageWorld
) -> None:
    plan_id = with_plan(clinic)
    handout = clinician.get(f"/plans/{plan_id}/handout")
    assert f"<strong>{START}</strong>" in handout.text and "After each session" in handout.text
    assert f"Your clinic: <strong>{CLINIC}</strong>" in handout.text
    ics = clinician.get(f"/plans/{plan_id}/schedule.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert f"DTSTART;VALUE=DATE:{START.replace('-', '')}" in ics.text
    assert ics.text.count("BEGIN:VEVENT") >= 3 and "\r\n" in ics.text


def test_an_amendment_is_shown_beside_the_original(clinician: Browser, clinic: PageWorld) -> None:
    plan_id = with_plan(clinic)
    session = record(
        clinic.records,
        clinic.actors["clinician"],
        SESSION,
        clinic.client_id,
        {
            "plan_id": plan_id,
            "performed_on": TODAY.isoformat(),
            "device": "pen",
            "single_use": True,
            "lot_number": "B-2213",
            "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
        },
    )
    clinician.get(f"/records/session/{session.id}")  # type: ignore[attr-defined]
    missing = clinician.post(
        f"/records/session/{session.id}/amend",  # type: ignore[attr-defined]
        {"field": "lot_number", "lot_number": "B-2231", "reason": ""},
    )
    assert missing.status_code == 422 and error_beside(missing.text, "reason")
    page = clinician.post(
        f"/records/session/{session.id}/amend",  # type: ignore[attr-defined]
        {"field": "lot_number", "lot_number": "B-2231", "reason": "lot misread"},
    )
    assert "Original (session" in page.text and "B-2213" in page.text and "B-2231" in page.text
    assert 'class="changed"' in page.text


def test_the_audit_log_is_for_owners_only(browser: Browser, clinic: PageWorld) -> None:
    browser.log_in("owner")
    page = browser.get("/audit")
    assert page.status_code == 200 and "client.create" in page.text
    fragment = browser.get("/audit?entity=client", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    browser.post("/logout")
    browser.log_in("clinician")
    assert browser.get("/audit").status_code == 403


def test_a_reader_cannot_save_an_intake(browser: Browser, clinic: PageWorld) -> None:
    browser.log_in("read_only")
    browser.get(f"/clients/{clinic.client_id}/intake")
    response = browser.post(f"/clients/{clinic.client_id}/intake", {"fitzpatrick": "3"})
    assert response.status_code == 403 and count(clinic, Intake) == 0


def test_another_clinics_client_is_not_found(clinician: Browser) -> None:
    assert clinician.get("/clients/999").status_code == 404


# --- the public home check ----------------------------------------------------------------

HOME = [
    ("age_years", "30"),
    ("fitzpatrick", "3"),
    ("device.type", "roller"),
    ("device.needle_length_mm", "1.5"),
    ("indication", "acne_scars_atrophic"),
    ("zones", "cheeks"),
    ("zones", "periorbital"),
    ("claims", "claim_vitc_every_session"),
]


def test_the_home_check_gives_the_home_plan_and_stores_nothing(
    browser: Browser, clinic: PageWorld
) -> None:
    before = count(clinic, AuditEntry)
    assert browser.get("/home-check").status_code == 200
    page = browser.post("/home-check", HOME)
    assert "at most 0.25 mm" in page.text
    assert "Do not use your 1.5 mm derma roller on the cheeks" in page.text
    assert "You can go ahead" not in page.text
    assert "not at home" in page.text
    assert "The claims, corrected" in page.text and "1.5 mm roller at home" in page.text
    assert "Red flags" in page.text
    assert count(clinic, AuditEntry) == before


def test_the_home_check_asks_when_isotretinoin_was_stopped(browser: Browser) -> None:
    form = browser.get("/home-check").text
    assert re.search(r"Have you taken Isotretinoin in the last \d+ days", form)
    answers = [*HOME, ("med.isotretinoin.status", "stopped"), ("med.isotretinoin.days", "30")]
    stopped = browser.post("/home-check", answers)
    assert "Do not needle at home" in stopped.text and "You can go ahead" not in stopped.text
    long_ago = [*HOME, ("med.isotretinoin.status", "stopped"), ("med.isotretinoin.days", "400")]
    assert "Do not needle at home" not in browser.post("/home-check", long_ago).text


def test_a_signed_in_user_keeps_their_navigation_on_the_home_check(clinician: Browser) -> None:
    assert "Log out" in clinician.get("/home-check").text


def test_the_home_check_answers_htmx_with_its_result(browser: Browser) -> None:
    browser.get("/home-check")
    fragment = browser.post("/home-check", HOME, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "Safe length" in fragment.text


@pytest.mark.parametrize(
    ("field", "value", "field_id", "plain"),
    [
        ("age_years", "200", "age_years", "must be 120 or less"),
        ("age_years", "old", "age_years", "please give a number"),
        ("device.needle_length_mm", "9", "device-needle_length_mm", "must be 3 or less"),
    ],
)
def test_a_bad_home_answer_is_named_in_plain_words(
    browser: Browser, field: str, value: str, field_id: str, plain: str
) -> None:
    browser.get("/home-check")
    data = [(k, v) for k, v in HOME if k != field] + [(field, value)]
    response = browser.post("/home-check", data)
    assert response.status_code == 422
    assert error_beside(response.text, field_id) == plain
    assert "Input should" not in response.text


def test_owners_manage_users_on_a_page_and_a_change_ends_the_users_session(
    browser: Browser, clinic: PageWorld
) -> None:
    from fastapi.testclient import TestClient

    reader = Browser(TestClient(browser.client.app))
    reader.log_in("read_only")
    assert reader.get("/clients").status_code == 200
    browser.log_in("owner")
    page = browser.get("/users")
    assert page.status_code == 200 and email_for("read_only") in page.text
    reader_id = clinic.actors["read_only"].user_id
    with clinic.records.transaction() as db:
        version = db.get_one(User, reader_id).version
    saved = browser.post(
        f"/users/{reader_id}",
        {"version": str(version), "role": "read_only"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "inactive" in browser.get("/users").text
    assert reader.get("/clients", follow_redirects=False).status_code == 303  # to log in
    browser.post("/logout")
    browser.log_in("clinician")
    assert browser.get("/users").status_code == 403


def test_a_user_changes_their_password_on_a_page(browser: Browser, clinic: PageWorld) -> None:
    browser.log_in("assistant")
    browser.get("/account/password")
    wrong = browser.post(
        "/account/password", {"current_password": "nope", "new_password": "a new long secret"}
    )
    assert wrong.status_code == 422 and "is not your password" in wrong.text
    done = browser.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "a new long secret"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert browser.get("/clients", follow_redirects=False).status_code == 303


def test_an_address_with_a_bad_id_is_a_page_not_json(clinician: Browser) -> None:
    missing = clinician.get("/clients/abc")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "there is no page at /clients/abc" in missing.text
    api = clinician.client.get("/api/v1/clients/abc")
    assert api.headers["content-type"].startswith("application/json")


def test_every_form_carries_the_csrf_token_it_is_checked_against(
    browser: Browser, clinic: PageWorld
) -> None:
    """A form macro imported without the page's context writes an empty token field, which a
    real browser sends back and the server refuses; the test client adds its own token."""
    plan_id = with_plan(clinic)
    browser.log_in("owner")
    for url in ("/clinic", "/users", "/account/password", f"/plans/{plan_id}/handout"):
        page = browser.get(url).text
        assert 'name="" value=""' not in page, url
        assert page.count('name="csrf_token"') == page.count("<form") - page.count(
            'method="get"'
        ), url
