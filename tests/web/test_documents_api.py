"""Signed consents and documents through the API: `signature_png` checked as a PNG, the
consent's PDF with its text and signer, the other documents' PDFs, and the pre-session
questions answering 409 `intake_needed` until a new intake."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.images import image
from tests.pdf_text import pdf_text, words
from tests.web.conftest import API, login
from tests.world import TODAY, World

from microneedling.services.consents import consent_texts, current_version

SIGNATURE = base64.b64encode(image("PNG", size=(320, 120), colour=(255, 255, 255))).decode()


def _planned(client: TestClient, headers: dict[str, str]) -> tuple[int, int]:
    person = client.post(
        f"{API}/clients",
        json={
            "given_name": "Ann",
            "family_name": "Lee",
            "birth_date": "1990-04-02",
            "phototype": 2,
        },
        headers=headers,
    ).json()
    intake = client.post(
        f"{API}/clients/{person['id']}/intakes", json={"answers": {}}, headers=headers
    ).json()
    plan = client.post(
        f"{API}/clients/{person['id']}/plans",
        json={
            "intake_id": intake["id"],
            "device": {"type": "pen"},
            "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks"]}],
            "start_date": TODAY.isoformat(),
        },
        headers=headers,
    ).json()
    return person["id"], plan["id"]


def test_a_consent_signed_with_a_png_downloads_as_a_pdf_with_its_text_and_signer(
    client: TestClient, world: World
) -> None:
    headers = login(client, "clinician@a.example")
    client_id, plan_id = _planned(client, headers)
    consent = client.post(
        f"{API}/clients/{client_id}/consents",
        json={
            "scope": "treatment",
            "signer_name": "Ann Lee",
            "method": "electronic_signature",
            "plan_id": plan_id,
            "signature_png": SIGNATURE,
        },
        headers=headers,
    )
    assert consent.status_code == 201, consent.text
    body = consent.json()
    assert body["signed_on_screen"] and len(body["record_sha256"]) == 64
    assert "signature_png" not in body
    pdf = client.get(f"{API}/consents/{body['id']}/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert words(consent_texts()[("treatment", current_version("treatment"))]) in text
    assert "Ann Lee" in text and body["record_sha256"] in text.replace(" ", "")


@pytest.mark.parametrize(
    "signature",
    [
        "%%%",
        base64.b64encode(image("JPEG", size=(320, 120))).decode(),
        base64.b64encode(image("PNG", size=(4, 4))).decode(),
    ],
)
def test_a_signature_that_is_not_a_sane_png_answers_422(
    client: TestClient, world: World, signature: str
) -> None:
    headers = login(client, "clinician@a.example")
    client_id, _plan_id = _planned(client, headers)
    refused = client.post(
        f"{API}/clients/{client_id}/consents",
        json={
            "scope": "photography",
            "signer_name": "Ann Lee",
            "method": "electronic_signature",
            "signature_png": signature,
        },
        headers=headers,
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "signature_png"
    course = client.get(f"{API}/clients/{client_id}/course", headers=headers).json()
    assert course["consents"] == []


def test_every_document_pdf_answers_through_the_api(client: TestClient, world: World) -> None:
    headers = login(client, "clinician@a.example")
    client_id, plan_id = _planned(client, headers)
    for path in (
        f"/plans/{plan_id}/handout/pdf",
        f"/plans/{plan_id}/summary/pdf",
        f"/clients/{client_id}/course-report/pdf",
    ):
        answer = client.get(API + path, headers=headers)
        assert answer.status_code == 200, path
        assert "Ann Lee" in pdf_text(answer.content) and "Clinic A" in pdf_text(answer.content)


def _session(client: TestClient, headers: dict[str, str], client_id: int, plan_id: int) -> Any:
    return client.post(
        f"{API}/clients/{client_id}/sessions",
        json={
            "plan_id": plan_id,
            "performed_on": TODAY.isoformat(),
            "device": "pen",
            "single_use": True,
            "zones": [{"zone": "cheeks", "needle_mm": 1.0, "passes": 3}],
            "pre_session_changes": ["new_medicines", "sun_exposure"],
        },
        headers=headers,
    )


def test_a_change_since_the_last_visit_answers_409_intake_needed_until_a_new_intake(
    client: TestClient, world: World
) -> None:
    headers = login(client, "clinician@a.example")
    client_id, plan_id = _planned(client, headers)
    refused = _session(client, headers, client_id, plan_id)
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "intake_needed"
    assert body["changes"] == ["new_medicines", "sun_exposure"]
    assert body["intake_form"] == f"/clients/{client_id}/intake"
    client.post(f"{API}/clients/{client_id}/intakes", json={"answers": {}}, headers=headers)
    saved = _session(client, headers, client_id, plan_id)
    assert saved.status_code == 201, saved.text
    assert saved.json()["pre_session_changes"] == ["new_medicines", "sun_exposure"]
