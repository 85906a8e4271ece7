"""The documents' pages offer to e-mail the PDF to the client, and say whether it was queued."""

from __future__ import annotations

from sqlalchemy import select
from tests.web.page_world import Browser, PageWorld
from tests.web.pages.test_pages import with_plan

from microneedling.records.models import Job
from microneedling.services.clients import get_client, update_client
from microneedling.services.reminders import DOCUMENT


def email_from(browser: Browser, page_url: str, plan_id: int) -> str:
    page = browser.get(page_url).text
    assert "E-mail it to the client" in page
    sent = browser.post(
        "/clients/1/documents/email",
        {"document": "handout", "record_id": str(plan_id), "back": page_url},
    )
    assert sent.status_code == 200 and sent.url.path == page_url
    return str(sent.text)


def test_the_handout_is_queued_for_e_mail_once_the_client_agreed(
    clinician: Browser, clinic: PageWorld
) -> None:
    plan_id = with_plan(clinic)
    url = f"/plans/{plan_id}/handout"
    refused = email_from(clinician, url, plan_id)
    assert "Not e-mailed: cannot e-mail the client: no consent to contact by e-mail" in refused
    actor = clinic.actors["clinician"]
    version = get_client(clinic.records, actor, clinic.client_id).version
    agreed = {"version": version, "email": "ada@example.com", "contact_by_email": True}
    update_client(clinic.records, actor, clinic.client_id, agreed)
    queued = email_from(clinician, url, plan_id)
    assert "Queued: the PDF goes to the client" in queued
    with clinic.records.transaction() as db:
        assert len(db.scalars(select(Job).where(Job.kind == DOCUMENT)).all()) == 1


def test_a_reader_is_not_offered_the_e_mail(browser: Browser, clinic: PageWorld) -> None:
    plan_id = with_plan(clinic)
    browser.log_in("read_only")
    assert "E-mail it to the client" not in browser.get(f"/plans/{plan_id}/handout").text
