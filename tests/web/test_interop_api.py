"""`GET /api/v1/clients/{id}/fhir`: the bundle as application/fhir+json, photos by URL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.interop_world import World, build_world

from microneedling.config import Settings
from microneedling.web.app import create_app


@pytest.fixture
def api(settings: Settings) -> tuple[TestClient, World]:
    client = TestClient(create_app(settings))
    return client, build_world(client.app.state.records)


def _token(client: TestClient, email: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_clinician_gets_the_clients_bundle(api: tuple[TestClient, World]) -> None:
    client, world = api
    headers = _token(client, "clinician@clinic.example", "a-long-clinician-password")
    response = client.get(f"/api/v1/clients/{world.client_id}/fhir", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = response.json()
    assert bundle["type"] == "collection"
    media = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Media")
    assert "url" not in media["content"], "no public URL is configured"
    missing = client.get("/api/v1/clients/9999/fhir", headers=headers)
    assert missing.status_code == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_photo_urls_start_with_the_public_url_never_the_host_header(settings: Settings) -> None:
    public = settings.model_copy(update={"public_url": "https://clinic.example/"})
    client = TestClient(create_app(public))
    world = build_world(client.app.state.records)
    headers = _token(client, "clinician@clinic.example", "a-long-clinician-password")
    response = client.get(
        f"/api/v1/clients/{world.client_id}/fhir",
        headers={**headers, "Host": "attacker.example"},
    )
    assert response.status_code == 200
    bundle = response.json()
    media = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Media")
    assert (
        media["content"]["url"] == f"https://clinic.example/api/v1/photos/{world.ids['photo']}/file"
    )
