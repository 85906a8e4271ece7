"""What clients read: the handout and the home check in the client's words only, showing only
the steps that apply, and naming the clinic with its phone; owners keep the clinic's details."""

from __future__ import annotations

import re

from tests.web.page_world import Browser, PageWorld
from tests.web.pages.test_pages import HOME, error_beside, with_plan

from microneedling.clinical.aftercare import patient_pre_care
from microneedling.knowledge import load_knowledge
from microneedling.services import clinics

CLINICIAN_ONLY = ("Draw and process blood", "under occlusion", "dispose of it as sharps")


def clinician_text(code: str) -> str:
    return next(row.text for row in load_knowledge().pre_care if row.code == code)


def test_patient_pre_care_leaves_out_the_clinics_own_steps() -> None:
    kb = load_knowledge()
    codes = ["topical_anaesthetic", "prp_per_client_kit", "stop_topical_retinoid"]
    wording = patient_pre_care(codes, kb)
    assert wording == [next(r.patient for r in kb.pre_care if r.code == "stop_topical_retinoid")]
    assert wording[0] != clinician_text("stop_topical_retinoid")


def test_every_clinic_step_a_client_reads_has_patient_wording() -> None:
    """Home rows are read by the person at home: each has patient wording."""
    for row in load_knowledge().pre_care:
        if row.when.settings == ["home"]:
            assert row.patient, row.code


def test_the_handout_names_the_clinic_and_its_phone_and_uses_patient_words(
    clinician: Browser, clinic: PageWorld
) -> None:
    clinics.update_clinic(
        clinic.records,
        clinic.actors["owner"],
        {"phone": "+44 20 7946 0000", "address": "1 River Street\nLondon"},
    )
    plan_id = with_plan(clinic, medications=[{"code": "topical_retinoid", "status": "current"}])
    page = clinician.get(f"/plans/{plan_id}/handout").text
    assert 'href="tel:+442079460000"' in page and "1 River Street, London" in page
    assert "Call the clinic straight away (+44 20 7946 0000)" in page
    for text in CLINICIAN_ONLY:
        assert text not in page
    assert clinician_text("antisepsis_and_sterile_glide") not in page


def test_the_handout_shows_no_depigmenting_restart_for_lighter_skin(
    clinician: Browser, clinic: PageWorld
) -> None:
    plan_id = with_plan(clinic)
    assert "depigmenting" not in clinician.get(f"/plans/{plan_id}/handout").text
    darker = with_plan(clinic, fitzpatrick=5)
    assert "restart the depigmenting cream" in clinician.get(f"/plans/{darker}/handout").text


def test_the_home_check_speaks_to_the_person_and_names_what_blocks_a_zone(
    browser: Browser,
) -> None:
    browser.get("/home-check")
    page = browser.post("/home-check", HOME).text
    kb = load_knowledge()
    home_rows = [row for row in kb.pre_care if row.when.settings == ["home"]]
    for row in home_rows:
        assert str(row.patient) in page.replace("&#39;", "'")
        assert row.text not in page
    blocked = re.findall(r"not at home \(([^)]*)\)", page)
    assert blocked and all("_" not in reason for reason in blocked), blocked


def test_owners_set_the_clinic_details_and_a_bad_phone_is_named(
    browser: Browser, clinic: PageWorld
) -> None:
    browser.log_in("owner")
    assert "Riverside" in browser.get("/clinic").text
    bad = browser.post("/clinic", {"phone": "call us", "address": "1 River Street"})
    assert bad.status_code == 422 and error_beside(bad.text, "phone")
    assert clinics.clinic_details(clinic.records, clinic.actors["owner"]).address is None
    saved = browser.post("/clinic", {"phone": "020 7946 0000", "address": "1 River Street"})
    assert saved.status_code == 200 and "Saved." in saved.text
    details = clinics.clinic_details(clinic.records, clinic.actors["owner"])
    assert (details.phone, details.address) == ("020 7946 0000", "1 River Street")


def test_only_owners_change_the_clinic(clinician: Browser) -> None:
    clinician.get("/clinic")
    assert clinician.post("/clinic", {"phone": "020 7946 0000"}).status_code == 403
