"""The booking example in docs/diary.md runs through the API as written: 201, then 409."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from tests.web.conftest import API, login
from tests.world import TODAY, World, new_client

from microneedling.services import rooms

DOC = Path(__file__).resolve().parents[2] / "docs" / "diary.md"
EXAMPLE = re.compile(r"^`POST /api/v1/appointments`\n\n```json\n(.*?)```", re.MULTILINE | re.DOTALL)


def test_the_documented_booking_books_then_clashes(client: TestClient, world: World) -> None:
    (body,) = EXAMPLE.findall(DOC.read_text(encoding="utf-8"))
    rooms.create_room(world.records, world.owner, {"name": "Room 1"})
    values = {
        "client": new_client(world).id,
        "practitioner": world.clinician.user_id,
        "tomorrow": (TODAY + dt.timedelta(days=1)).isoformat(),
    }
    filled = json.loads(body)
    for key, value in filled.items():
        if isinstance(value, str) and value.startswith("{"):
            name, _, rest = value[1:].partition("}")
            filled[key] = values[name] if not rest else f"{values[name]}{rest}"
    headers = login(client, world.email(world.assistant))
    made = client.post(f"{API}/appointments", json=filled, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "booked"
    assert client.post(f"{API}/appointments", json=filled, headers=headers).status_code == 409
