"""The diary through the API: book (201 with an id), clash (409), move, cancel, list by day,
free time, the plan booked in one step, the today summary, and a practitioner's calendar feed
behind a secret URL that can be renewed and revoked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from tests.web.conftest import API, login
from tests.world import TODAY, World, new_client, planned_course

from microneedling.services import rooms

TOMORROW_NINE = dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC)


def _setup(world: World) -> int:
    rooms.create_room(world.records, world.owner, {"name": "Room 1"})
    return new_client(world).id


def _body(world: World, client_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "practitioner_id": world.clinician.user_id,
        "room": "Room 1",
        "starts_at": TOMORROW_NINE.isoformat(),
        "duration_minutes": 45,
        "kind": "consultation",
        **changes,
    }


def test_a_booking_is_made_listed_moved_and_cancelled(client: TestClient, world: World) -> None:
    client_id = _setup(world)
    headers = login(client, world.email(world.assistant))
    made = client.post(f"{API}/appointments", json=_body(world, client_id), headers=headers)
    assert made.status_code == 201, made.text
    booking = made.json()
    assert booking["id"] >= 1 and booking["status"] == "booked"
    clash = client.post(f"{API}/appointments", json=_body(world, client_id), headers=headers)
    assert clash.status_code == 409 and "already booked" in clash.json()["detail"]
    day = TOMORROW_NINE.date().isoformat()
    listed = client.get(
        f"{API}/appointments",
        params={"day": day, "practitioner_id": world.clinician.user_id},
        headers=headers,
    )
    assert [a["id"] for a in listed.json()] == [booking["id"]]
    free = client.get(
        f"{API}/availability",
        params={"practitioner_id": world.clinician.user_id, "room": "Room 1", "day": day},
        headers=headers,
    )
    assert free.status_code == 200
    assert all(
        slot["ends_at"] <= booking["starts_at"] or slot["starts_at"] >= booking["ends_at"]
        for slot in free.json()
    )
    later = (TOMORROW_NINE + dt.timedelta(hours=2)).isoformat()
    moved = client.post(
        f"{API}/appointments/{booking['id']}/reschedule",
        json={"version": booking["version"], "starts_at": later},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text
    assert dt.datetime.fromisoformat(moved.json()["starts_at"]) == TOMORROW_NINE + dt.timedelta(
        hours=2
    )
    stale = client.post(
        f"{API}/appointments/{booking['id']}/cancel",
        json={"version": booking["version"], "reason": "ill"},
        headers=headers,
    )
    assert stale.status_code == 409
    cancelled = client.post(
        f"{API}/appointments/{booking['id']}/cancel",
        json={"version": moved.json()["version"], "reason": "ill"},
        headers=headers,
    )
    assert cancelled.json()["status"] == "cancelled"


def test_bad_booking_input_is_422_naming_the_field(client: TestClient, world: World) -> None:
    client_id = _setup(world)
    headers = login(client, world.email(world.clinician))
    for field, value in (
        ("starts_at", "2026-12-01T09:00"),
        ("starts_at", "0001-01-01T00:00:00+01:00"),
        ("starts_at", "9999-12-31T23:00:00+00:00"),
        ("duration_minutes", 0),
        ("kind", "massage"),
    ):
        answer = client.post(
            f"{API}/appointments", json=_body(world, client_id, **{field: value}), headers=headers
        )
        assert answer.status_code == 422, answer.text
        assert field in str(answer.json()["detail"])
    for query in ({"day": "9999-12-31", "days": 2}, {"day": "0001-01-01"}):
        far = client.get(f"{API}/appointments", params=query, headers=headers)
        assert far.status_code == 422 and "day" in str(far.json()["detail"])
    reader = login(client, world.email(world.reader))
    refused = client.post(f"{API}/appointments", json=_body(world, client_id), headers=reader)
    assert refused.status_code == 403


def test_the_plan_is_booked_and_the_today_summary_shows_it(
    client: TestClient, world: World
) -> None:
    rooms.create_room(world.records, world.owner, {"name": "Room 1"})
    person, _intake, plan = planned_course(world)
    headers = login(client, world.email(world.clinician))
    made = client.post(
        f"{API}/plans/{plan.id}/appointments",
        json={
            "practitioner_id": world.clinician.user_id,
            "room": "Room 1",
            "time": "10:00",
            "duration_minutes": 60,
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    assert made.json()[0]["plan_session"] == 1
    today = client.get(f"{API}/today", headers=headers)
    assert today.status_code == 200
    summary = today.json()
    assert summary["day"] == TODAY.isoformat()
    assert [a["client_id"] for a in summary["appointments"]] == [person.id]
    assert [d["client_id"] for d in summary["due"]] == [person.id]
    assert summary["due"][0]["booked_at"] is not None
    assert set(summary) >= {"appointments", "due", "overdue", "open_findings"}


def test_a_practitioner_feed_has_timed_events_and_stops_when_revoked(
    client: TestClient, world: World
) -> None:
    client_id = _setup(world)
    headers = login(client, world.email(world.clinician))
    client.post(f"{API}/appointments", json=_body(world, client_id), headers=headers)
    user_id = world.clinician.user_id
    other = login(client, world.email(world.assistant))
    refused = client.post(f"{API}/practitioners/{user_id}/calendar-feed", headers=other)
    assert refused.status_code == 403
    first = client.post(f"{API}/practitioners/{user_id}/calendar-feed", headers=headers)
    assert first.status_code == 201
    token = first.json()["token"]
    feed = client.get(f"/calendar/{token}.ics")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert f"DTSTART:{TOMORROW_NINE:%Y%m%dT%H%M%SZ}" in feed.text
    assert "BEGIN:VALARM" in feed.text and "LOCATION:" in feed.text
    assert "Ann" not in feed.text  # clients are named by number in a feed
    renewed = client.post(f"{API}/practitioners/{user_id}/calendar-feed", headers=headers)
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    new_token = renewed.json()["token"]
    assert client.get(f"/calendar/{new_token}.ics").status_code == 200
    owner = login(client, world.email(world.owner))
    gone = client.delete(f"{API}/practitioners/{user_id}/calendar-feed", headers=owner)
    assert gone.status_code == 204
    assert client.get(f"/calendar/{new_token}.ics").status_code == 404


def test_the_diary_routes_are_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    for path in (
        "/api/v1/appointments",
        "/api/v1/appointments/{appointment_id}/reschedule",
        "/api/v1/appointments/{appointment_id}/cancel",
        "/api/v1/availability",
        "/api/v1/today",
        "/api/v1/plans/{plan_id}/appointments",
        "/api/v1/rooms",
    ):
        assert path in paths, path
    body = paths["/api/v1/appointments"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"].endswith("/AppointmentIn")


def test_the_today_lists_come_a_page_at_a_time_with_their_totals(
    client: TestClient, world: World
) -> None:
    client_id = _setup(world)
    headers = login(client, world.email(world.assistant))
    nine = dt.datetime.combine(TODAY, dt.time(9), tzinfo=dt.UTC)
    for hour in range(3):
        starts = (nine + dt.timedelta(hours=hour)).isoformat()
        made = client.post(
            f"{API}/appointments", json=_body(world, client_id, starts_at=starts), headers=headers
        )
        assert made.status_code == 201, made.text
    first = client.get(f"{API}/today", params={"limit": 2}, headers=headers).json()
    assert first["totals"]["appointments"] == 3 and len(first["appointments"]) == 2
    rest = client.get(
        f"{API}/today",
        params={"limit": 2, "section": "appointments", "offset": 2},
        headers=headers,
    ).json()
    ids = [a["id"] for a in first["appointments"] + rest["appointments"]]
    assert len(set(ids)) == 3 and rest["offset"] == 2
    for bad in ({"section": "everything"}, {"limit": 0}, {"offset": -1}):
        refused = client.get(f"{API}/today", params=bad, headers=headers)
        assert refused.status_code == 422, (bad, refused.text)
