"""The JSON API over real HTTP semantics (ASGI in-process): a whole course of treatment, errors
as JSON with field paths, token auth, pagination, and no way into another clinic's records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from tests.services.test_photos import PNG
from tests.web.conftest import API, login
from tests.web.test_products_api import catalogue
from tests.world import PASSWORD, TODAY, World

from microneedling.services import rooms


def _course(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """Every step of a course through the API; returns the ids it made."""
    person = client.post(
        f"{API}/clients",
        json={
            "given_name": "Ann",
            "family_name": "Lee",
            "birth_date": "1990-04-02",
            "phototype": 2,
        },
        headers=headers,
    )
    assert person.status_code == 201, person.text
    client_id = person.json()["id"]
    intake = client.post(
        f"{API}/clients/{client_id}/intakes", json={"answers": {}}, headers=headers
    )
    assert intake.status_code == 201, intake.text
    assert intake.json()["answers"]["fitzpatrick"] == 2
    plan = client.post(
        f"{API}/clients/{client_id}/plans",
        json={
            "intake_id": intake.json()["id"],
            "device": {"type": "pen"},
            "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks", "forehead"]}],
            "start_date": TODAY.isoformat(),
        },
        headers=headers,
    )
    assert plan.status_code == 201, plan.text
    plan_id = plan.json()["id"]
    consent = client.post(
        f"{API}/clients/{client_id}/consents",
        json={
            "scope": "treatment",
            "signer_name": "Ann Lee",
            "method": "electronic_signature",
            "plan_id": plan_id,
        },
        headers=headers,
    )
    assert consent.status_code == 201, consent.text
    session = client.post(
        f"{API}/clients/{client_id}/sessions",
        json={
            "plan_id": plan_id,
            "performed_on": TODAY.isoformat(),
            "device": "pen",
            "cartridge": "12-pin",
            "lot_number": "LOT-7",
            "single_use": True,
            "zones": [{"zone": "cheeks", "needle_mm": 1.0, "passes": 3}],
        },
        headers=headers,
    )
    assert session.status_code == 201, session.text
    score = client.post(
        f"{API}/clients/{client_id}/scores",
        json={
            "instrument": "gais",
            "answers": {"scale": "five_point", "rating": 2},
            "scored_on": TODAY.isoformat(),
            "session_id": session.json()["id"],
        },
        headers=headers,
    )
    assert score.status_code == 201, score.text
    photo = client.post(
        f"{API}/clients/{client_id}/photos",
        files={"file": ("cheek.png", PNG, "image/png")},
        data={"view": "front", "taken_on": TODAY.isoformat(), "zone": "cheeks"},
        headers=headers,
    )
    assert photo.status_code == 201, photo.text
    return {
        "client": client_id,
        "intake": intake.json()["id"],
        "plan": plan_id,
        "consent": consent.json()["id"],
        "session": session.json()["id"],
        "score": score.json()["id"],
        "photo": photo.json()["id"],
    }


def test_a_whole_course_of_treatment_through_the_api(client: TestClient, world: World) -> None:
    headers = login(client, "clinician@a.example")
    ids = _course(client, headers)
    amended = client.post(
        f"{API}/sessions/{ids['session']}/amendments",
        json={"changes": {"lot_number": "LOT-8"}, "reason": "lot misread"},
        headers=headers,
    )
    assert amended.status_code == 201, amended.text
    assert amended.json()["supersedes_id"] == ids["session"]
    timeline = client.get(f"{API}/clients/{ids['client']}/timeline", headers=headers).json()
    kinds = [entry["kind"] for entry in timeline]
    assert sorted(kinds) == sorted(
        ["intake", "plan", "consent", "session", "session", "score", "photo"]
    )
    photo = client.get(f"{API}/photos/{ids['photo']}/file", headers=headers)
    assert (photo.status_code, photo.content, photo.headers["content-type"]) == (
        200,
        PNG,
        "image/png",
    )
    owner = login(client, "owner@a.example")
    audit = client.get(f"{API}/audit", params={"entity": "session"}, headers=owner).json()
    assert [item["action"] for item in audit["items"]] == ["session.amend", "session.create"]
    exported = client.get(f"{API}/exports", params={"format": "json"}, headers=headers).json()
    assert exported["clients"][0]["sessions"][0]["lot_number"] == "LOT-7"
    csv_text = client.get(f"{API}/exports", params={"format": "csv"}, headers=headers).text
    assert "LOT-8" in csv_text


def test_a_session_that_departs_answers_409_until_confirmed_with_a_reason(
    client: TestClient, world: World
) -> None:
    headers = login(client, "clinician@a.example")
    ids = _course(client, headers)
    second = {
        "plan_id": ids["plan"],
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": True,
        "zones": [{"zone": "cheeks", "needle_mm": 1.0}, {"zone": "chin", "needle_mm": 1.0}],
    }
    url = f"{API}/clients/{ids['client']}/sessions"
    refused = client.post(url, json=second, headers=headers)
    assert refused.status_code == 409, refused.text
    departures = refused.json()["departures"]
    assert [(d["code"], d["zone"]) for d in departures] == [
        ("zone_not_in_plan", "chin"),
        ("interval_too_short", None),
    ]
    assert all(set(d) == {"code", "zone", "message"} for d in departures)
    assert "Chin is not planned" in refused.json()["departures"][0]["message"]
    unexplained = client.post(
        url, json={**second, "confirm_departures": True, "departure_reason": ""}, headers=headers
    )
    assert unexplained.status_code == 409
    timeline = client.get(f"{API}/clients/{ids['client']}/timeline", headers=headers).json()
    assert [e["kind"] for e in timeline].count("session") == 1
    reason = "chin scars added at the client's request"
    saved = client.post(
        url,
        json={**second, "confirm_departures": True, "departure_reason": reason},
        headers=headers,
    )
    assert saved.status_code == 201, saved.text
    body = saved.json()
    assert (body["confirm_departures"], body["departure_reason"]) == (True, reason)
    assert [(w["code"], w["zone"]) for w in body["warnings"]] == [
        ("zone_not_in_plan", "chin"),
        ("interval_too_short", None),
    ]


def test_intakes_and_sessions_are_checked_without_saving_as_saving_would(
    client: TestClient, world: World
) -> None:
    headers = login(client, "clinician@a.example")
    ids = _course(client, headers)
    answers = {"answers": {"conditions": [{"code": "herpes_labialis", "status": "active"}]}}
    url = f"{API}/clients/{ids['client']}"
    checked = client.post(f"{url}/intakes/check", json=answers, headers=headers)
    assert checked.status_code == 200, checked.text
    [finding] = checked.json()["findings"]
    assert finding["code"] == "herpes_labialis" and "cheeks" in finding["zones"]
    saved = client.post(f"{url}/intakes", json=answers, headers=headers).json()
    assert saved["findings"] == checked.json()["findings"]
    session = {
        "plan_id": ids["plan"],
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": True,
        "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
    }
    departures = client.post(f"{url}/sessions/check", json=session, headers=headers).json()
    refused = client.post(f"{url}/sessions", json=session, headers=headers)
    assert [(d["code"], d["zone"]) for d in departures["departures"]] == [
        (d["code"], d["zone"]) for d in refused.json()["departures"]
    ]
    assert [d["code"] for d in refused.json()["departures"]] == [
        "interval_too_short",
        "zone_held_by_finding",
    ]
    timeline = client.get(f"{url}/timeline", headers=headers).json()
    assert [e["kind"] for e in timeline].count("session") == 1


def test_a_session_or_photo_dated_after_today_answers_422_naming_the_field(
    client: TestClient, world: World
) -> None:
    headers = login(client, "clinician@a.example")
    ids = _course(client, headers)
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    url = f"{API}/clients/{ids['client']}"
    session = client.post(
        f"{url}/sessions",
        json={
            "plan_id": ids["plan"],
            "performed_on": tomorrow,
            "device": "pen",
            "single_use": True,
            "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
        },
        headers=headers,
    )
    assert session.status_code == 422
    assert [item["field"] for item in session.json()["detail"]] == ["performed_on"]
    photo = client.post(
        f"{url}/photos",
        files={"file": ("cheek.png", PNG, "image/png")},
        data={"view": "front", "taken_on": tomorrow},
        headers=headers,
    )
    assert photo.status_code == 422
    assert [item["field"] for item in photo.json()["detail"]] == ["taken_on"]


def test_consent_to_a_deferred_plan_answers_409(client: TestClient, world: World) -> None:
    headers = login(client, "clinician@a.example")
    person = client.post(
        f"{API}/clients", json={"given_name": "Ann", "family_name": "Lee"}, headers=headers
    ).json()
    url = f"{API}/clients/{person['id']}"
    answers = {"age_years": 30, "fitzpatrick": 2, "pregnant": True}
    intake = client.post(f"{url}/intakes", json={"answers": answers}, headers=headers).json()
    plan = client.post(
        f"{url}/plans",
        json={
            "intake_id": intake["id"],
            "device": {"type": "pen"},
            "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks"]}],
        },
        headers=headers,
    ).json()
    assert plan["status"] == "deferred"
    consent = client.post(
        f"{url}/consents",
        json={
            "scope": "treatment",
            "signer_name": "Ann Lee",
            "method": "written_signature",
            "plan_id": plan["id"],
        },
        headers=headers,
    )
    assert consent.status_code == 409 and "deferred" in consent.json()["detail"]


def test_an_idempotency_key_answers_a_repeat_with_the_first_response(
    client: TestClient, world: World
) -> None:
    headers = login(client, "clinician@a.example")
    ids = _course(client, headers)
    url = f"{API}/clients/{ids['client']}"
    score = {"instrument": "gais", "answers": {"scale": "five_point", "rating": 2}}
    body = {**score, "scored_on": TODAY.isoformat()}
    keyed = {**headers, "Idempotency-Key": "score-1"}
    first = client.post(f"{url}/scores", json=body, headers=keyed)
    again = client.post(f"{url}/scores", json=body, headers=keyed)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    other = client.post(
        f"{url}/scores", json={**body, "answers": score["answers"] | {"rating": 3}}, headers=keyed
    )
    assert other.status_code == 422
    assert other.json()["detail"][0]["field"] == "Idempotency-Key"
    photo = {
        "files": {"file": ("c.png", PNG, "image/png")},
        "data": {"view": "front", "taken_on": TODAY.isoformat()},
    }
    photo_key = {**headers, "Idempotency-Key": "photo-1"}
    photos = [client.post(f"{url}/photos", **photo, headers=photo_key) for _ in range(2)]
    assert photos[0].json()["id"] == photos[1].json()["id"]
    kinds = [e["kind"] for e in client.get(f"{url}/timeline", headers=headers).json()]
    assert (kinds.count("score"), kinds.count("photo")) == (2, 2)


def test_a_refused_request_keeps_no_key_so_it_can_be_corrected(
    client: TestClient, world: World
) -> None:
    headers = login(client, "clinician@a.example")
    ids = _course(client, headers)
    keyed = {**headers, "Idempotency-Key": "session-2"}
    session = {
        "plan_id": ids["plan"],
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": True,
        "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
    }
    url = f"{API}/clients/{ids['client']}/sessions"
    assert client.post(url, json=session, headers=keyed).status_code == 409
    confirmed = {**session, "confirm_departures": True, "departure_reason": "top-up, same day"}
    saved = client.post(url, json=confirmed, headers=keyed)
    assert saved.status_code == 201, saved.text
    assert client.post(url, json=confirmed, headers=keyed).json()["id"] == saved.json()["id"]


def test_the_course_is_one_read_of_everything_current(client: TestClient, world: World) -> None:
    headers = login(client, "clinician@a.example")
    ids = _course(client, headers)
    course = client.get(f"{API}/clients/{ids['client']}/course", headers=headers)
    assert course.status_code == 200, course.text
    body = course.json()
    assert body["clinic"]["name"] == "Clinic A"
    assert (body["client"]["id"], body["intake"]["id"], body["plan"]["id"]) == (
        ids["client"],
        ids["intake"],
        ids["plan"],
    )
    assert body["plan"]["plan"]["status"] == body["plan"]["status"] == "ok"
    assert [s["id"] for s in body["sessions_done"]] == [ids["session"]]
    assert body["upcoming"][0]["session"] == body["plan"]["plan"]["schedule"][1]["session"]
    assert [len(body[kind]) for kind in ("scores", "photos", "consents")] == [1, 1, 1]


def test_preview_plans_without_saving(client: TestClient, world: World) -> None:
    headers = login(client, "reader@a.example")
    request = {
        "setting": "clinic",
        "device": {"type": "pen"},
        "client": {"age_years": 30, "fitzpatrick": 5},
        "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks"]}],
    }
    response = client.post(f"{API}/plans/preview", json=request, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["phototype"] == 5
    assert client.get(f"{API}/clients", headers=headers).json()["total"] == 0


def test_preview_answers_422_for_revision2_input_errors(client: TestClient, world: World) -> None:
    headers = login(client, "reader@a.example")
    request = {
        "setting": "clinic",
        "device": {"type": "pen", "needle_length_mm": True},
        "client": {"age_years": 30, "fitzpatrick": True},
        "concerns": [{"indication": "melasma", "zones": ["cheeks", "cheeks"]}],
        "as_of": "2026-11-22",
        "start_date": "2026-11-01",
    }
    response = client.post(f"{API}/plans/preview", json=request, headers=headers)
    assert response.status_code == 422, response.text
    assert {item["field"] for item in response.json()["detail"]} == {
        "device.needle_length_mm",
        "client.fitzpatrick",
        "concerns[0].zones",
        "start_date",
    }


def test_errors_are_json_with_the_field_path_and_nothing_is_saved(
    client: TestClient, world: World
) -> None:
    headers = login(client, "clinician@a.example")
    response = client.post(
        f"{API}/clients",
        json={"given_name": "Ann", "family_name": "", "sex": "f"},
        headers=headers,
    )
    assert response.status_code == 422
    detail = {item["field"]: item for item in response.json()["detail"]}
    assert set(detail) == {"family_name", "sex"}
    assert detail["sex"]["allowed"] == ["female", "male", "other", "unknown"]
    preview = client.post(
        f"{API}/plans/preview",
        json={
            "setting": "clinic",
            "device": {"type": "pen"},
            "client": {"age_years": 30, "fitzpatrick": 9},
            "concerns": [],
        },
        headers=headers,
    )
    assert preview.status_code == 422
    assert {item["field"] for item in preview.json()["detail"]} >= {"client.fitzpatrick"}
    assert client.get(f"{API}/clients", headers=headers).json()["total"] == 0


def test_requests_without_a_valid_token_get_401(client: TestClient, world: World) -> None:
    assert client.get(f"{API}/clients").status_code == 401
    bad = client.get(f"{API}/clients", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"
    wrong = client.post(f"{API}/auth/token", data={"username": "owner@a.example", "password": "x"})
    assert wrong.status_code == 401


def test_log_in_is_rate_limited_with_retry_after(client: TestClient, world: World) -> None:
    for _ in range(world.records.settings.login_max_failures):
        client.post(f"{API}/auth/token", data={"username": "owner@a.example", "password": "x"})
    locked = client.post(
        f"{API}/auth/token", data={"username": "owner@a.example", "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0


def test_two_users_cannot_silently_overwrite_each_other(client: TestClient, world: World) -> None:
    first = login(client, "clinician@a.example")
    second = login(client, "assistant@a.example")
    person = client.post(
        f"{API}/clients", json={"given_name": "A", "family_name": "B"}, headers=first
    ).json()
    ok = client.patch(
        f"{API}/clients/{person['id']}", json={"version": 1, "notes": "one"}, headers=first
    )
    assert (ok.status_code, ok.json()["version"]) == (200, 2)
    stale = client.patch(
        f"{API}/clients/{person['id']}", json={"version": 1, "notes": "two"}, headers=second
    )
    assert stale.status_code == 409
    assert client.get(f"{API}/clients/{person['id']}", headers=second).json()["notes"] == "one"


def test_clients_are_paged_and_filtered_by_name_and_date(client: TestClient, world: World) -> None:
    headers = login(client, "assistant@a.example")
    for family in ("Adams", "Brown", "Brooks", "Clark"):
        client.post(
            f"{API}/clients", json={"given_name": "Pat", "family_name": family}, headers=headers
        )
    page = client.get(f"{API}/clients", params={"q": "bro", "limit": 1}, headers=headers).json()
    assert (page["total"], [c["family_name"] for c in page["items"]]) == (2, ["Brooks"])
    later = (TODAY + dt.timedelta(days=1)).isoformat()
    none = client.get(f"{API}/clients", params={"registered_from": later}, headers=headers)
    assert none.json()["total"] == 0
    bad = client.get(f"{API}/clients", params={"limit": 0}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "limit"


def test_roles_are_enforced_through_the_api(client: TestClient, world: World) -> None:
    reader = login(client, "reader@a.example")
    assistant = login(client, "assistant@a.example")
    assert (
        client.post(
            f"{API}/clients", json={"given_name": "A", "family_name": "B"}, headers=reader
        ).status_code
        == 403
    )
    assert client.get(f"{API}/audit", headers=assistant).status_code == 403
    person = client.post(
        f"{API}/clients", json={"given_name": "A", "family_name": "B"}, headers=assistant
    ).json()
    assert client.delete(f"{API}/clients/{person['id']}", headers=assistant).status_code == 403


def test_photo_uploads_are_checked_for_type(client: TestClient, world: World) -> None:
    headers = login(client, "assistant@a.example")
    person = client.post(
        f"{API}/clients", json={"given_name": "A", "family_name": "B"}, headers=headers
    ).json()
    response = client.post(
        f"{API}/clients/{person['id']}/photos",
        files={"file": ("x.gif", b"GIF89a....", "image/png")},
        data={"view": "front", "taken_on": TODAY.isoformat()},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "file"


def test_two_photos_compared_in_the_background_through_the_api(
    client: TestClient, world: World
) -> None:
    """Queued with the second upload; the worker's result shown with each zone's MDC (the
    plain colours have no face, so the comparison fails with the reason)."""
    from tests.images import image

    from microneedling.services.jobs import run_due
    from microneedling.services.reminders import job_handlers

    headers = login(client, "assistant@a.example")
    person = client.post(
        f"{API}/clients", json={"given_name": "A", "family_name": "B"}, headers=headers
    ).json()
    ids = [
        client.post(
            f"{API}/clients/{person['id']}/photos",
            files={"file": ("x.png", image(size=(64, 64), colour=colour), "image/png")},
            data={"view": "front", "taken_on": TODAY.isoformat()},
            headers=headers,
        ).json()["id"]
        for colour in ((200, 150, 130), (9, 9, 9))
    ]
    change = f"{API}/photos/{ids[0]}/comparisons/{ids[1]}"
    waiting = client.get(change, headers=headers).json()
    assert waiting["comparison"]["status"] == "queued" and waiting["changes"] == []
    run_due(world.records, job_handlers(world.records))
    failed = client.get(change, headers=headers).json()["comparison"]
    assert failed["status"] == "failed" and failed["detail"]
    again = client.post(change, headers=headers)
    assert again.status_code == 202 and again.json()["status"] == "queued"
    same = client.post(f"{API}/photos/{ids[0]}/comparisons/{ids[0]}", headers=headers)
    assert same.status_code == 409


# Every route that names a record, called by the other clinic's owner with clinic A's ids.
# A booking of clinic A's client with its clinician in its room (made in the test below).
BOOKING = {
    "client_id": "{client}",
    "practitioner_id": 2,
    "room": "{room}",
    "starts_at": "2026-12-03T09:00:00+00:00",
    "duration_minutes": 30,
    "kind": "consultation",
}
CROSS_CLINIC_CALLS: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("GET", "/clients/{client_id}"): ("/clients/{client}", {}),
    ("PATCH", "/clients/{client_id}"): ("/clients/{client}", {"json": {"version": 1}}),
    ("DELETE", "/clients/{client_id}"): ("/clients/{client}", {}),
    ("GET", "/clients/{client_id}/timeline"): ("/clients/{client}/timeline", {}),
    ("GET", "/clients/{client_id}/course"): ("/clients/{client}/course", {}),
    ("GET", "/clients/{client_id}/messages"): ("/clients/{client}/messages", {}),
    ("POST", "/clients/{client_id}/documents/email"): (
        "/clients/{client}/documents/email",
        {"json": {"document": "report"}},
    ),
    ("GET", "/clients/{client_id}/fhir"): ("/clients/{client}/fhir", {}),
    ("POST", "/clients/{client_id}/intakes"): (
        "/clients/{client}/intakes",
        {"json": {"answers": {"fitzpatrick": 1}}},
    ),
    ("POST", "/clients/{client_id}/plans"): (
        "/clients/{client}/plans",
        {
            "json": {
                "intake_id": "{intake}",
                "device": {"type": "pen"},
                "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks"]}],
            }
        },
    ),
    ("POST", "/clients/{client_id}/consents"): (
        "/clients/{client}/consents",
        {"json": {"scope": "treatment", "signer_name": "X", "method": "written_signature"}},
    ),
    ("POST", "/clients/{client_id}/sessions"): (
        "/clients/{client}/sessions",
        {
            "json": {
                "performed_on": "2026-01-01",
                "device": "pen",
                "single_use": True,
                "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
            }
        },
    ),
    ("POST", "/clients/{client_id}/intakes/check"): (
        "/clients/{client}/intakes/check",
        {"json": {"answers": {"fitzpatrick": 1}}},
    ),
    ("POST", "/clients/{client_id}/sessions/check"): (
        "/clients/{client}/sessions/check",
        {
            "json": {
                "performed_on": "2026-01-01",
                "device": "pen",
                "single_use": True,
                "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
            }
        },
    ),
    ("POST", "/clients/{client_id}/scores"): (
        "/clients/{client}/scores",
        {
            "json": {
                "instrument": "gais",
                "answers": {"scale": "five_point", "rating": 1},
                "scored_on": "2026-01-01",
            }
        },
    ),
    ("POST", "/clients/{client_id}/photos"): (
        "/clients/{client}/photos",
        {
            "files": {"file": ("x.png", PNG, "image/png")},
            "data": {"view": "front", "taken_on": "2026-01-01"},
        },
    ),
    ("GET", "/intakes/{record_id}"): ("/intakes/{intake}", {}),
    ("GET", "/plans/{record_id}"): ("/plans/{plan}", {}),
    ("GET", "/consents/{record_id}"): ("/consents/{consent}", {}),
    ("GET", "/consents/{record_id}/pdf"): ("/consents/{consent}/pdf", {}),
    ("GET", "/plans/{record_id}/handout/pdf"): ("/plans/{plan}/handout/pdf", {}),
    ("GET", "/plans/{record_id}/summary/pdf"): ("/plans/{plan}/summary/pdf", {}),
    ("GET", "/clients/{record_id}/course-report/pdf"): ("/clients/{client}/course-report/pdf", {}),
    ("GET", "/sessions/{record_id}"): ("/sessions/{session}", {}),
    ("GET", "/scores/{record_id}"): ("/scores/{score}", {}),
    ("GET", "/photos/{record_id}"): ("/photos/{photo}", {}),
    ("GET", "/photos/{record_id}/file"): ("/photos/{photo}/file", {}),
    ("GET", "/photos/{record_id}/thumbnail"): ("/photos/{photo}/thumbnail", {}),
    ("GET", "/photos/{record_id}/screen"): ("/photos/{photo}/screen", {}),
    ("POST", "/photos/{record_id}/analysis"): ("/photos/{photo}/analysis", {}),
    ("GET", "/photos/{record_id}/measurements"): ("/photos/{photo}/measurements", {}),
    ("POST", "/photos/{record_id}/comparisons/{after_id}"): (
        "/photos/{photo}/comparisons/{photo}",
        {},
    ),
    ("GET", "/photos/{record_id}/comparisons/{after_id}"): (
        "/photos/{photo}/comparisons/{photo}",
        {},
    ),
    ("POST", "/{entity}s/{record_id}/amendments"): (
        "/sessions/{session}/amendments",
        {"json": {"changes": {"lot_number": "X"}, "reason": "hijack"}},
    ),
    ("GET", "/products/{product_id}"): ("/products/{product}", {}),
    ("POST", "/lots"): (
        "/lots",
        {
            "json": {
                "product_id": "{product}",
                "lot_number": "X-1",
                "expires_on": "2030-01-01",
                "quantity_in_stock": 1,
            }
        },
    ),
    ("GET", "/lots/{lot_id}"): ("/lots/{lot}", {}),
    ("POST", "/lots/{lot_id}/stock"): ("/lots/{lot}/stock", {"json": {"quantity": 1}}),
    ("POST", "/lots/{lot_id}/recall"): ("/lots/{lot}/recall", {"json": {"reason": "hijack"}}),
    ("GET", "/lots/{lot_id}/sessions"): ("/lots/{lot}/sessions", {}),
    # User 2 is clinic A's clinician (tests/world.py creates the users in order).
    ("PATCH", "/users/{user_id}"): ("/users/2", {"json": {"version": 1, "role": "owner"}}),
    ("PATCH", "/rooms/{room_id}"): ("/rooms/{room}", {"json": {"version": 1, "name": "Mine"}}),
    ("POST", "/appointments"): ("/appointments", {"json": BOOKING}),
    ("GET", "/appointments/{appointment_id}"): ("/appointments/{appointment}", {}),
    ("POST", "/appointments/{appointment_id}/reschedule"): (
        "/appointments/{appointment}/reschedule",
        {"json": {"version": 1, "starts_at": "2026-12-03T10:00:00+00:00"}},
    ),
    ("POST", "/appointments/{appointment_id}/cancel"): (
        "/appointments/{appointment}/cancel",
        {"json": {"version": 1, "reason": "hijack"}},
    ),
    ("POST", "/plans/{plan_id}/appointments"): (
        "/plans/{plan}/appointments",
        {"json": {"practitioner_id": 2, "room": 1, "time": "10:00", "duration_minutes": 30}},
    ),
    ("POST", "/practitioners/{user_id}/calendar-feed"): ("/practitioners/2/calendar-feed", {}),
    ("DELETE", "/practitioners/{user_id}/calendar-feed"): ("/practitioners/2/calendar-feed", {}),
}
# Routes that name no record: each answers only about the caller's own clinic (checked below).
CLINIC_WIDE = {
    ("POST", "/auth/token"),
    ("POST", "/auth/logout"),
    ("GET", "/me"),
    ("POST", "/me/password"),
    ("GET", "/clients"),
    ("POST", "/clients"),
    ("POST", "/plans/preview"),
    ("GET", "/users"),
    ("POST", "/users"),
    ("GET", "/audit"),
    ("GET", "/exports"),
    ("GET", "/consent-texts"),
    ("GET", "/clinic"),
    ("PATCH", "/clinic"),
    ("GET", "/products"),
    ("POST", "/products"),
    ("GET", "/lots"),
    ("GET", "/lots/recall"),
    # The diary's lists take ids as filters, read within the caller's clinic only.
    ("GET", "/rooms"),
    ("POST", "/rooms"),
    ("GET", "/practitioners"),
    ("GET", "/appointments"),
    ("GET", "/availability"),
    ("GET", "/today"),
}


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str):
        filled = value.format(**ids)
        return int(filled) if value.startswith("{") and filled.isdigit() else filled
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


def test_every_api_route_is_covered_by_the_cross_clinic_check(client: TestClient) -> None:
    spec = client.get(f"{API}/openapi.json").json()
    routes = {
        (method.upper(), path.removeprefix(API))
        for path, operations in spec["paths"].items()
        for method in operations
    }
    assert routes == set(CROSS_CLINIC_CALLS) | CLINIC_WIDE


def test_another_clinic_can_reach_no_record_through_any_route(
    client: TestClient, world: World
) -> None:
    ids = _course(client, login(client, "clinician@a.example"))
    ids.update(catalogue(client, login(client, "owner@a.example")))
    ids["room"] = rooms.create_room(world.records, world.owner, {"name": "Room A"}).id
    booked = client.post(
        f"{API}/appointments",
        json=_fill(BOOKING, ids),
        headers=login(client, "clinician@a.example"),
    )
    assert booked.status_code == 201, booked.text
    ids["appointment"] = booked.json()["id"]
    outsider = login(client, "owner@b.example")
    for (method, route), (path, options) in CROSS_CLINIC_CALLS.items():
        response = client.request(
            method, API + _fill(path, ids), headers=outsider, **_fill(options, ids)
        )
        assert response.status_code == 404, (method, route, response.text)
    mine = login(client, "clinician@a.example")
    assert client.get(f"{API}/clients/{ids['client']}", headers=mine).status_code == 200
    assert client.get(f"{API}/clients", headers=outsider).json()["total"] == 0
    assert client.get(f"{API}/audit", headers=outsider).json()["items"] == [
        item
        for item in client.get(f"{API}/audit", headers=outsider).json()["items"]
        if item["entity"] == "user" or item["entity"] == "clinic"
    ]
    assert [u["email"] for u in client.get(f"{API}/users", headers=outsider).json()] == [
        "owner@b.example"
    ]
    assert client.get(f"{API}/exports", headers=outsider).json()["clients"] == []
    assert (
        "Lee" not in client.get(f"{API}/exports", params={"format": "csv"}, headers=outsider).text
    )


def test_the_openapi_document_lists_the_api(client: TestClient) -> None:
    spec = client.get(f"{API}/openapi.json").json()
    assert {f"{API}/clients", f"{API}/plans/preview", f"{API}/auth/token"} <= set(spec["paths"])
    assert client.get("/api/docs").status_code == 200


def test_log_out_and_user_management_through_the_api(client: TestClient, world: World) -> None:
    clinician = login(client, "clinician@a.example")
    assert client.get(f"{API}/users", headers=clinician).status_code == 403
    assert client.get(f"{API}/me", headers=clinician).json()["email"] == "clinician@a.example"
    assert client.post(f"{API}/auth/logout", headers=clinician).status_code == 204
    assert client.get(f"{API}/me", headers=clinician).status_code == 401
    owner = login(client, "owner@a.example")
    reader = login(client, "reader@a.example")
    listed = {u["email"]: u for u in client.get(f"{API}/users", headers=owner).json()}
    target = listed["reader@a.example"]
    changed = client.patch(
        f"{API}/users/{target['id']}",
        json={"version": target["version"], "active": False},
        headers=owner,
    )
    assert changed.status_code == 200, changed.text
    assert client.get(f"{API}/me", headers=reader).status_code == 401


def test_owners_set_the_clinics_phone_and_everyone_reads_it(
    client: TestClient, world: World
) -> None:
    owner = login(client, "owner@a.example")
    clinician = login(client, "clinician@a.example")
    bad = client.patch(f"{API}/clinic", json={"phone": "ring us"}, headers=owner)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "phone"
    refused = client.patch(f"{API}/clinic", json={"phone": "020 7946 0000"}, headers=clinician)
    assert refused.status_code == 403
    saved = client.patch(f"{API}/clinic", json={"phone": "020 7946 0000"}, headers=owner)
    assert saved.status_code == 200 and saved.json()["phone"] == "020 7946 0000"
    read = client.get(f"{API}/clinic", headers=clinician).json()
    assert (read["name"], read["phone"], read["address"]) == ("Clinic A", "020 7946 0000", None)
    cleared = client.patch(f"{API}/clinic", json={"phone": None}, headers=owner)
    assert cleared.json()["phone"] is None


def test_a_document_is_e_mailed_only_with_consent(client: TestClient, world: World) -> None:
    headers = login(client, "clinician@a.example")
    ids = _course(client, headers)
    url = f"{API}/clients/{ids['client']}/documents/email"
    body = {"document": "handout", "record_id": ids["plan"]}
    refused = client.post(url, json=body, headers=headers)
    assert refused.status_code == 409 and "no consent" in refused.json()["detail"]
    version = client.get(f"{API}/clients/{ids['client']}", headers=headers).json()["version"]
    agreed = {"version": version, "email": "ann@example.com", "contact_by_email": True}
    assert client.patch(f"{API}/clients/{ids['client']}", json=agreed, headers=headers).is_success
    queued = client.post(url, json=body, headers=headers)
    assert queued.status_code == 202, queued.text
    assert queued.json()["document"] == "handout" and queued.json()["record_id"] == ids["plan"]
    missing = client.post(url, json={"document": "consent"}, headers=headers)
    assert missing.status_code == 422 and missing.json()["detail"][0]["field"] == "record_id"
