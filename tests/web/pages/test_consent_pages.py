"""Consents signed on screen, their signed copies as pages and PDFs, the other documents, the
pre-session questions on the session form, and photos hidden once photography consent is
withdrawn."""

from __future__ import annotations

import base64
import re
from typing import Any

from sqlalchemy import func, select
from tests.images import image
from tests.pdf_text import pdf_text, words
from tests.web.page_world import CLINIC, Browser, PageWorld
from tests.web.pages.test_pages import with_plan

from microneedling.records.models import Consent, TreatmentSession
from microneedling.services import photos
from microneedling.services.clinics import update_clinic
from microneedling.services.consents import consent_texts, current_version

SIGNATURE = base64.b64encode(image("PNG", size=(300, 100), colour=(250, 250, 250))).decode()


def _count(clinic: PageWorld, model: Any) -> int:
    with clinic.records.transaction() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _sign(clinician: Browser, clinic: PageWorld, **fields: str) -> Any:
    scope = fields.get("scope", "treatment")
    clinician.get(f"/clients/{clinic.client_id}/consents/new?scope={scope}")
    data = {
        "scope": scope,
        "decision": "given",
        "text_version": current_version(scope),
        "signer_name": "Ada Moreau",
        **fields,
    }
    return clinician.post(f"/clients/{clinic.client_id}/consents", data)


def test_the_text_is_shown_in_full_before_the_signature(
    clinician: Browser, clinic: PageWorld
) -> None:
    page = clinician.get(f"/clients/{clinic.client_id}/consents/new?scope=photography")
    text = consent_texts()[("photography", current_version("photography"))]
    shown = words(re.sub(r"<[^>]+>", " ", page.text))
    assert words(text)[:80] in shown
    assert page.text.index("consent-text") < page.text.index("signature-pad")
    assert '<script src="/static/signature.js"' in page.text


def test_without_a_drawing_or_the_tick_nothing_is_signed(
    clinician: Browser, clinic: PageWorld
) -> None:
    refused = _sign(clinician, clinic)
    assert refused.status_code == 422
    assert "tick this box" in refused.text and 'id="typed_agreement-error"' in refused.text
    assert _count(clinic, Consent) == 0


def test_a_typed_name_with_the_tick_signs_and_the_copy_downloads_as_pdf(
    clinician: Browser, clinic: PageWorld
) -> None:
    signed = _sign(clinician, clinic, scope="photography", typed_agreement="true")
    assert signed.status_code == 200 and re.fullmatch(r"/consents/\d+", signed.url.path)
    assert "Ada Moreau" in signed.text and "typed name" in signed.text
    pdf = clinician.get(f"{signed.url.path}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert words(consent_texts()[("photography", current_version("photography"))]) in text
    assert "Ada Moreau" in text and CLINIC in text


def test_a_drawn_signature_and_a_witness_are_kept_and_shown(
    clinician: Browser, clinic: PageWorld
) -> None:
    plan_id = with_plan(clinic)
    signed = _sign(
        clinician,
        clinic,
        plan_id=str(plan_id),
        signature_png=SIGNATURE,
        witness_name="Bea Witness",
        witness_signature_png=SIGNATURE,
    )
    assert "electronic signature" in signed.text
    assert signed.text.count('src="data:image/png;base64,') == 2
    with clinic.records.transaction() as db:
        row = db.scalars(select(Consent)).one()
    assert row.plan_id == plan_id and row.record_sha256 in signed.text
    assert "still matches its seal" in signed.text


def test_a_signature_that_is_not_a_png_is_refused_beside_the_pad(
    clinician: Browser, clinic: PageWorld
) -> None:
    refused = _sign(clinician, clinic, signature_png=base64.b64encode(b"GIF89a").decode())
    assert refused.status_code == 422 and 'id="signature_png-error"' in refused.text
    assert _count(clinic, Consent) == 0


def test_withdrawing_photography_hides_the_photos_page_and_the_report(
    clinician: Browser, clinic: PageWorld
) -> None:
    _sign(clinician, clinic, scope="photography", typed_agreement="true")
    meta = {"view": "front", "taken_on": "2026-01-02", "zone": "cheeks"}
    for colour in ((200, 150, 130), (190, 140, 120)):
        photos.add_photo(
            clinic.records, clinic.actors["clinician"], clinic.client_id, image(colour=colour), meta
        )
    report = clinician.get(f"/clients/{clinic.client_id}/report")
    assert report.text.count('src="data:image/png;base64,') == 2
    listed = clinician.get(f"/clients/{clinic.client_id}/photos")
    assert "/photos/" in listed.text and "/file" in listed.text
    withdrawn = _sign(
        clinician, clinic, scope="photography", decision="withdrawn", typed_agreement="true"
    )
    assert "Withdrawal of consent" in withdrawn.text
    listed = clinician.get(f"/clients/{clinic.client_id}/photos")
    assert not re.search(r"/photos/\d+/file", listed.text)
    report = clinician.get(f"/clients/{clinic.client_id}/report")
    assert "data:image/png" not in report.text and "withdrawn" in report.text
    assert "data:image" not in pdf_text(
        clinician.get(f"/clients/{clinic.client_id}/report.pdf").content
    )


def test_every_document_downloads_as_a_pdf_naming_the_clinic(
    clinician: Browser, clinic: PageWorld
) -> None:
    contact = {"address": "4 River Lane, Kingston KT1 1AA", "phone": "+44 20 7946 0000"}
    update_clinic(clinic.records, clinic.actors["owner"], contact)
    plan_id = with_plan(clinic)
    signed = _sign(clinician, clinic, plan_id=str(plan_id), signature_png=SIGNATURE)
    for url in (
        f"{signed.url.path}.pdf",
        f"/plans/{plan_id}/handout.pdf",
        f"/plans/{plan_id}/summary.pdf",
        f"/clients/{clinic.client_id}/report.pdf",
    ):
        answer = clinician.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["content-type"] == "application/pdf"
        text = pdf_text(answer.content)
        assert CLINIC in text and "Ada Moreau" in text, url
        assert contact["address"] in text and contact["phone"] in text, url
    for url in (f"/plans/{plan_id}/summary", f"/clients/{clinic.client_id}/report"):
        page = clinician.get(url)
        assert page.status_code == 200 and f'href="{url}.pdf"' in page.text


def test_a_change_since_the_last_visit_sends_the_session_to_a_new_intake(
    clinician: Browser, clinic: PageWorld
) -> None:
    with_plan(clinic)
    form = clinician.get(f"/clients/{clinic.client_id}/session")
    assert "Any change since the last visit?" in form.text
    data = [
        ("performed_on", "2026-01-02"),
        ("device", "pen"),
        ("single_use", "true"),
        ("z0.zone", "cheeks"),
        ("z0.needle_mm", "1.0"),
        ("pre_session_changes", "cold_sores"),
    ]
    refused = clinician.post(f"/clients/{clinic.client_id}/sessions", data)
    assert refused.status_code == 409
    assert f'href="/clients/{clinic.client_id}/intake"' in refused.text
    assert "A new intake is needed first" in refused.text and "cold_sores" in refused.text
    assert _count(clinic, TreatmentSession) == 0
