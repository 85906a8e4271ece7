"""Contact consent on the client's pages, reminders on the client page, and the opt-out page
that works without logging in."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.page_world import Browser, PageWorld

from microneedling.records.models import AuditEntry
from microneedling.services.clients import get_client, update_client
from microneedling.services.jobs import enqueue
from microneedling.services.reminders import opt_out_token


def consent(clinic: PageWorld) -> bool:
    reader = clinic.actors["read_only"]
    return get_client(clinic.records, reader, clinic.client_id).contact_by_email


def test_consent_is_recorded_and_withdrawn_on_the_edit_form(
    clinician: Browser, clinic: PageWorld
) -> None:
    form = clinician.get(f"/clients/{clinic.client_id}/edit")
    assert 'name="contact_by_email"' in form.text and "checked" not in form.text
    fields = {
        "given_name": "Ada",
        "family_name": "Moreau",
        "birth_date": "1990-04-02",
        "phototype": "3",
        "email": "ada@example.com",
        "version": "1",
    }
    page = clinician.post(f"/clients/{clinic.client_id}", {**fields, "contact_by_email": "true"})
    assert page.status_code == 200
    assert consent(clinic) is True
    assert "E-mail reminders: <strong>on</strong>" in page.text
    form = clinician.get(f"/clients/{clinic.client_id}/edit")
    assert 'value="true" checked' in form.text
    page = clinician.post(f"/clients/{clinic.client_id}", {**fields, "version": "2"})
    assert consent(clinic) is False
    assert "E-mail reminders: <strong>off</strong>" in page.text


def test_a_new_client_can_be_registered_with_consent(clinician: Browser) -> None:
    clinician.get("/clients/new")
    page = clinician.post(
        "/clients",
        {
            "given_name": "Lina",
            "family_name": "Berg",
            "email": "lina@example.com",
            "contact_by_email": "true",
        },
    )
    assert "E-mail reminders: <strong>on</strong>" in page.text


def test_the_opt_out_page_works_without_logging_in(browser: Browser, clinic: PageWorld) -> None:
    records = clinic.records
    client = get_client(records, clinic.actors["clinician"], clinic.client_id)
    update_client(
        records,
        clinic.actors["clinician"],
        client.id,
        {"version": client.version, "email": "ada@example.com", "contact_by_email": True},
    )
    url = f"/unsubscribe/{opt_out_token(records, client.id)}"
    page = browser.get(url)
    assert page.status_code == 200 and "Stop e-mails" in page.text
    assert consent(clinic) is True  # opening the link changes nothing
    done = browser.client.post(url)  # as a mail program's one-click button does
    assert done.status_code == 200 and "you will receive no more e-mails" in done.text
    assert consent(clinic) is False
    with records.transaction() as db:
        actions = list(
            db.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == client.id))
        )
    assert actions.count("client.opt_out") == 1


def test_a_forged_opt_out_link_is_not_found(browser: Browser, clinic: PageWorld) -> None:
    token = opt_out_token(clinic.records, clinic.client_id)
    forged = f"{clinic.client_id}.{token.partition('.')[2][::-1]}"
    assert browser.get(f"/unsubscribe/{forged}").status_code == 404
    assert browser.client.post(f"/unsubscribe/{forged}").status_code == 404


def test_the_opt_out_page_needs_no_session_cookie(clinic: PageWorld, browser: Browser) -> None:
    client: TestClient = browser.client
    client.cookies.clear()
    token = opt_out_token(clinic.records, clinic.client_id)
    assert client.post(f"/unsubscribe/{token}").status_code == 200


def test_the_client_page_lists_the_reminders_queued(clinician: Browser, clinic: PageWorld) -> None:
    moment = dt.datetime(2030, 5, 6, 17, 0, tzinfo=dt.UTC)
    with clinic.records.transaction() as db:
        enqueue(
            db,
            kind="reminder.aftercare",
            key="aftercare:session:1",
            run_at=moment,
            payload={"session_id": 1},
            client_id=clinic.client_id,
        )
    page = clinician.get(f"/clients/{clinic.client_id}")
    title = page.text.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "Reminders" not in title
    local = moment.astimezone(clinic.records.clock.time_zone)
    assert f"{local:%a} {local.day} {local:%b %Y %H:%M}</time> aftercare: queued" in page.text
