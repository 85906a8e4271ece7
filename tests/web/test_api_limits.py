"""Input at the edges of what the databases hold answers 4xx naming the field, never 5xx, on
SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import API, login
from tests.world import World, planned_course

ZONES = [{"zone": "cheeks", "needle_mm": 1.0, "passes": 2}]
CONCERNS = [{"indication": "acne_scars_atrophic", "zones": ["cheeks"]}]
FIFTY_THOUSAND_KEYS = {f"k{n}": n for n in range(50_000)}


@pytest.fixture
def course(client: TestClient, world: World) -> dict[str, Any]:
    person, intake, plan = planned_course(world)
    return {
        "client": person.id,
        "intake": intake.id,
        "plan": plan.id,
        "headers": login(client, "owner@a.example"),
    }


# (what, method, path, body or query, status, field); {client}, {intake}, {plan} are filled in.
CASES: list[tuple[str, str, str, dict[str, Any], int, str | None]] = [
    ("id beyond INTEGER in the path", "GET", "/clients/1180591620717411303424", {}, 404, None),
    (
        "id beyond INTEGER in the body",
        "POST",
        "/clients/{client}/plans",
        {"intake_id": 2**40, "device": {"type": "pen"}, "concerns": CONCERNS},
        404,
        None,
    ),
    ("offset beyond INTEGER", "GET", "/clients", {"offset": 2**40}, 422, "offset"),
    ("audit id beyond INTEGER", "GET", "/audit", {"entity_id": 2**40}, 422, "entity_id"),
    (
        "NUL in a name",
        "POST",
        "/clients",
        {"given_name": "A\x00B", "family_name": "C"},
        422,
        "given_name",
    ),
    (
        "NUL in notes",
        "POST",
        "/clients",
        {"family_name": "C", "given_name": "A", "notes": "x\x00"},
        422,
        "notes",
    ),
    (
        "NUL deep in the answers",
        "POST",
        "/clients/{client}/intakes",
        {"answers": {"fitzpatrick": 2, "medications": [{"name": "a\x00"}]}},
        422,
        "answers",
    ),
    ("NUL in a search", "GET", "/clients", {"q": "An\x00"}, 422, "q"),
    (
        "bell in a name",
        "POST",
        "/clients",
        {"given_name": "A\x07", "family_name": "C"},
        422,
        "given_name",
    ),
    (
        "line break in a name",
        "POST",
        "/clients",
        {"given_name": "A\nB", "family_name": "C"},
        422,
        "given_name",
    ),
    (
        "plan starting 9999-12-31",
        "POST",
        "/clients/{client}/plans",
        {
            "intake_id": "{intake}",
            "start_date": "9999-12-31",
            "device": {"type": "pen"},
            "concerns": CONCERNS,
        },
        422,
        "start_date",
    ),
    ("audit until 9999-12-31", "GET", "/audit", {"until": "9999-12-31"}, 422, "until"),
    (
        "clients registered by 9999-12-31",
        "GET",
        "/clients",
        {"registered_to": "9999-12-31"},
        422,
        "registered_to",
    ),
    (
        "50,000 unknown keys",
        "POST",
        "/clients",
        {"given_name": "A", "family_name": "C", **FIFTY_THOUSAND_KEYS},
        422,
        "k0",
    ),
    (
        "50,000 answers",
        "POST",
        "/clients/{client}/intakes",
        {"answers": FIFTY_THOUSAND_KEYS},
        422,
        "answers.k0",
    ),
    (
        "50,000 changes",
        "POST",
        "/intakes/{intake}/amendments",
        {"changes": FIFTY_THOUSAND_KEYS, "reason": "typo"},
        422,
        "changes.k0",
    ),
]


def _filled(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {key: _filled(item, ids) for key, item in value.items()}
    return value


@pytest.mark.parametrize(
    ("method", "path", "data", "status", "field"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_edge_input_is_refused_with_the_field_named(
    client: TestClient,
    course: dict[str, Any],
    method: str,
    path: str,
    data: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    url = API + path.format(**course)
    data = _filled(data, course)
    if method == "GET":
        answer = client.get(url, params=data, headers=course["headers"])
    else:
        answer = client.request(method, url, json=data, headers=course["headers"])
    assert answer.status_code == status, answer.text
    if field is not None:
        problems = answer.json()["detail"]
        assert problems[0]["field"] == field
        assert len(problems) <= 101


def test_a_log_in_with_a_nul_in_the_email_is_refused_like_any_other(client: TestClient) -> None:
    answer = client.post(f"{API}/auth/token", data={"username": "a\x00@b.example", "password": "x"})
    assert answer.status_code == 401


def test_a_json_body_over_one_mebibyte_is_413(client: TestClient, course: dict[str, Any]) -> None:
    body = b'{"family_name": "' + b"a" * (1024 * 1024) + b'"}'
    headers = {**course["headers"], "content-type": "application/json"}
    declared = client.post(f"{API}/clients", content=body, headers=headers)
    assert declared.status_code == 413

    def chunks() -> Any:
        yield from (body[i : i + 65536] for i in range(0, len(body), 65536))

    streamed = client.post(f"{API}/clients", content=chunks(), headers=headers)
    assert streamed.status_code == 413


def test_an_upload_keeps_its_own_larger_limit(client: TestClient, course: dict[str, Any]) -> None:
    from tests.services.test_photos import PNG

    padding = b"\x00" * (2 * 1024 * 1024)  # over the JSON limit, within the photo limit
    answer = client.post(
        f"{API}/clients/{course['client']}/photos",
        files={"file": ("cheek.png", PNG + padding, "image/png")},
        data={"view": "front", "taken_on": "2026-11-02"},
        headers=course["headers"],
    )
    assert answer.status_code == 201, answer.text
