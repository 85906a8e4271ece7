"""The app under test, served in-process, and logging in through the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.world import PASSWORD

from microneedling.services.common import Records
from microneedling.web.app import create_app

API = "/api/v1"


@pytest.fixture
def client(records: Records) -> Iterator[TestClient]:
    app = create_app(records.settings)
    app.state.records = records
    with TestClient(app) as test_client:
        yield test_client


def login(client: TestClient, email: str) -> dict[str, str]:
    response = client.post(f"{API}/auth/token", data={"username": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    return {"Authorization": f"Bearer {body['access_token']}"}
