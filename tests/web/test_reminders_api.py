"""Contact consent and reminder status through the API, typed in the OpenAPI schema."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.services.test_reminders import log_session
from tests.web.conftest import API, login
from tests.world import World, planned_course


def test_consent_and_address_are_set_with_patch(client: TestClient, world: World) -> None:
    headers = login(client, "clinician@a.example")
    created = client.post(
        f"{API}/clients", json={"given_name": "Ann", "family_name": "Lee"}, headers=headers
    ).json()
    assert created["contact_by_email"] is False
    changed = client.patch(
        f"{API}/clients/{created['id']}",
        json={"version": 1, "email": "ann@example.com", "contact_by_email": True},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["email"], changed.json()["contact_by_email"]) == (
        "ann@example.com",
        True,
    )
    bad = client.patch(
        f"{API}/clients/{created['id']}",
        json={"version": 2, "contact_by_email": "perhaps"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert "contact_by_email" in bad.text


def test_reminder_status_lists_what_is_queued(client: TestClient, world: World) -> None:
    patient, _intake, plan = planned_course(world)
    session = log_session(world, patient.id, plan.id)
    headers = login(client, "reader@a.example")
    status = client.get(f"{API}/clients/{patient.id}/messages", headers=headers)
    assert status.status_code == 200
    body = status.json()
    assert body["contact_by_email"] is False and body["sent"] == []
    assert [(r["kind"], r["key"], r["state"]) for r in body["reminders"]] == [
        ("reminder.aftercare", f"aftercare:session:{session.id}", "queued")
    ]
    other = login(client, "owner@b.example")
    assert client.get(f"{API}/clients/{patient.id}/messages", headers=other).status_code == 404


def test_reminder_status_is_typed_in_the_openapi_schema(client: TestClient) -> None:
    schema = client.get(f"{API}/openapi.json").json()
    answer = schema["paths"][f"{API}/clients/{{client_id}}/messages"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReminderStatus"
    }
    status = schema["components"]["schemas"]["ReminderStatus"]["properties"]
    assert set(status) == {"contact_by_email", "sent", "reminders"}
