"""The page tests' small world: one clinic with a user per role and a client, and a
browser-like client that keeps cookies and sends the CSRF token its last page gave it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from tests.world import PASSWORD

from microneedling.config import Settings
from microneedling.services import users
from microneedling.services.access import Actor
from microneedling.services.clients import register_client
from microneedling.services.clock import Clock
from microneedling.services.common import Records

CLINIC = "Riverside Skin Clinic"
ROLES = ("owner", "clinician", "assistant", "read_only")
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def email_for(role: str) -> str:
    return f"{role.replace('_', '')}@riverside.example"


@dataclass
class PageWorld:
    records: Records
    actors: dict[str, Actor]
    client_id: int


def build_page_world(settings: Settings, clock: Clock | None = None) -> PageWorld:
    records = Records.open(settings, clock)
    actors = {}
    for role in ROLES:
        user = users.create_user(
            records,
            None,
            {
                "email": email_for(role),
                "full_name": f"{role} user",
                "role": role,
                "password": PASSWORD,
            },
            clinic_name=CLINIC,
        )
        actors[role] = Actor(clinic_id=user.clinic_id, role=role, user_id=user.id)
    client = register_client(
        records,
        actors["clinician"],
        {"given_name": "Ada", "family_name": "Moreau", "birth_date": "1990-04-02", "phototype": 3},
    )
    return PageWorld(records, actors, client.id)


class Browser:
    """A TestClient that remembers the last CSRF token it was given, like a browser's form."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.token = ""

    def get(self, url: str, **kwargs: Any) -> Any:
        response = self.client.get(url, **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def post(self, url: str, data: Any = None, **kwargs: Any) -> Any:
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        fields.append(("csrf_token", self.token))
        response = self.client.post(url, data=_flat(fields), **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def log_in(self, role: str = "clinician") -> None:
        self.get("/login")
        response = self.post(
            "/login", {"email": email_for(role), "password": PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        self.get("/clients")


def _flat(fields: list[tuple[str, Any]]) -> dict[str, Any]:
    """Repeated names become lists (as a browser sends checkboxes)."""
    data: dict[str, Any] = {}
    for name, value in fields:
        if name in data:
            data[name] = [
                *([data[name]] if not isinstance(data[name], list) else data[name]),
                value,
            ]
        else:
            data[name] = value
    return data
