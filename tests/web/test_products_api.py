"""Products, lots and the recall through the JSON API: typed bodies in the OpenAPI document, a
session body's `lot_ids`, 422 naming an expired or recalled lot, and contact details in a recall
for the owner only."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from tests.web.conftest import API, login
from tests.web.test_api_docs import PLACEHOLDER, STEP, _fill
from tests.world import TODAY, World, planned_course


def catalogue(
    client: TestClient,
    owner: dict[str, str],
    expires_on: dt.date = TODAY + dt.timedelta(days=90),
    number: str = "C-100",
) -> dict[str, int]:
    """A cartridge and one lot of it, made through the API; their ids."""
    product = client.post(
        f"{API}/products",
        json={
            "kind": "needle_cartridge",
            "name": "12-pin 1.5 mm",
            "manufacturer": "Acme Needles",
            "needle_count": 12,
            "needle_mm": 1.5,
        },
        headers=owner,
    )
    assert product.status_code == 201, product.text
    lot = client.post(
        f"{API}/lots",
        json={
            "product_id": product.json()["id"],
            "lot_number": number,
            "expires_on": expires_on.isoformat(),
            "quantity_in_stock": 5,
        },
        headers=owner,
    )
    assert lot.status_code == 201, lot.text
    return {"product": product.json()["id"], "lot": lot.json()["id"]}


def _session(plan_id: int, lot_ids: list[Any]) -> dict[str, Any]:
    return {
        "plan_id": plan_id,
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": True,
        "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
        "lot_ids": lot_ids,
    }


def test_a_session_uses_a_lot_and_the_recall_lists_it(client: TestClient, world: World) -> None:
    owner, clinician = login(client, "owner@a.example"), login(client, "clinician@a.example")
    ids = catalogue(client, owner)
    person, _intake, plan = planned_course(world)
    saved = client.post(
        f"{API}/clients/{person.id}/sessions",
        json=_session(plan.id, [ids["lot"]]),
        headers=clinician,
    )
    assert saved.status_code == 201, saved.text
    assert saved.json()["lot_ids"] == [ids["lot"]]
    assert (
        client.get(f"{API}/lots/{ids['lot']}", headers=clinician).json()["quantity_in_stock"] == 4
    )
    for headers, shown in ((owner, True), (clinician, False)):
        recall = client.get(f"{API}/lots/recall", params={"number": "C-100"}, headers=headers)
        assert recall.status_code == 200, recall.text
        body = recall.json()
        assert [s["session_id"] for s in body["sessions"]] == [saved.json()["id"]]
        assert body["contacts_shown"] is shown
        assert set(body["sessions"][0]) >= {"client_name", "performed_on", "email", "phone"}
    by_lot = client.get(f"{API}/lots/{ids['lot']}/sessions", headers=clinician).json()
    assert by_lot["sessions"][0]["client_id"] == person.id
    empty = client.get(f"{API}/lots/recall", params={"number": "NEVER"}, headers=owner)
    assert (empty.status_code, empty.json()["sessions"], empty.json()["lots"]) == (200, [], [])


def test_an_expired_or_recalled_lot_answers_422_naming_it(client: TestClient, world: World) -> None:
    owner, clinician = login(client, "owner@a.example"), login(client, "clinician@a.example")
    expired = catalogue(client, owner, TODAY - dt.timedelta(days=1), "OLD-9")["lot"]
    person, _intake, plan = planned_course(world)
    answer = client.post(
        f"{API}/clients/{person.id}/sessions", json=_session(plan.id, [expired]), headers=clinician
    )
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["field"] == "lot_ids[0]"
    assert "lot OLD-9" in problem["msg"] and "expired" in problem["msg"]
    recalled = catalogue(client, owner, number="REC-1")["lot"]
    marked = client.post(
        f"{API}/lots/{recalled}/recall", json={"reason": "maker's notice"}, headers=owner
    )
    assert marked.status_code == 200, marked.text
    answer = client.post(
        f"{API}/clients/{person.id}/sessions", json=_session(plan.id, [recalled]), headers=clinician
    )
    assert answer.status_code == 422
    assert "REC-1" in answer.text and "recalled" in answer.text
    assert client.get(f"{API}/lots/{recalled}", headers=owner).json()["quantity_in_stock"] == 5


def test_a_lot_of_another_clinic_in_a_session_answers_404(client: TestClient, world: World) -> None:
    theirs = catalogue(client, login(client, "owner@b.example"))["lot"]
    person, _intake, plan = planned_course(world)
    answer = client.post(
        f"{API}/clients/{person.id}/sessions",
        json=_session(plan.id, [theirs]),
        headers=login(client, "clinician@a.example"),
    )
    assert answer.status_code == 404, answer.text


def test_the_catalogue_is_the_owners_to_keep(client: TestClient, world: World) -> None:
    owner, clinician = login(client, "owner@a.example"), login(client, "clinician@a.example")
    ids = catalogue(client, owner)
    body = {"kind": "serum", "name": "HA", "manufacturer": "Skin Co"}
    assert client.post(f"{API}/products", json=body, headers=clinician).status_code == 403
    stock = {"quantity": 3}
    assert (
        client.post(f"{API}/lots/{ids['lot']}/stock", json=stock, headers=clinician).status_code
        == 403
    )
    received = client.post(f"{API}/lots/{ids['lot']}/stock", json=stock, headers=owner)
    assert received.json()["quantity_in_stock"] == 8
    assert [p["id"] for p in client.get(f"{API}/products", headers=clinician).json()] == [
        ids["product"]
    ]
    listed = client.get(f"{API}/lots", params={"number": "C-100"}, headers=clinician).json()
    assert [lot["id"] for lot in listed] == [ids["lot"]]


def test_bad_product_bodies_answer_422_naming_the_field(client: TestClient, world: World) -> None:
    owner = login(client, "owner@a.example")
    answer = client.post(
        f"{API}/products",
        json={"kind": "needle_cartridge", "name": "X", "manufacturer": "Y", "needle_mm": 1.0},
        headers=owner,
    )
    assert answer.status_code == 422
    assert "needle_count" in answer.text
    answer = client.post(
        f"{API}/lots",
        json={"product_id": 1, "lot_number": "A", "expires_on": "soon", "quantity_in_stock": -1},
        headers=owner,
    )
    assert answer.status_code == 422
    assert "expires_on" in answer.text and "quantity_in_stock" in answer.text


def test_the_openapi_document_types_the_catalogue_bodies(client: TestClient) -> None:
    spec = client.get(f"{API}/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert {"ProductIn", "LotIn", "StockIn", "RecallIn", "Recall"} <= set(schemas)
    assert "lot_ids" in schemas["SessionIn"]["properties"]
    assert set(schemas["ProductIn"]["properties"]["kind"]["enum"]) >= {"needle_cartridge", "roller"}


def test_an_idempotency_key_makes_one_lot(client: TestClient, world: World) -> None:
    owner = login(client, "owner@a.example")
    ids = catalogue(client, owner)
    body = {
        "product_id": ids["product"],
        "lot_number": "ONCE",
        "expires_on": (TODAY + dt.timedelta(days=30)).isoformat(),
        "quantity_in_stock": 2,
    }
    headers = {**owner, "Idempotency-Key": "lot-once"}
    first = client.post(f"{API}/lots", json=body, headers=headers)
    again = client.post(f"{API}/lots", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len(client.get(f"{API}/lots", params={"number": "ONCE"}, headers=owner).json()) == 1


def test_the_documented_steps_run_as_written(client: TestClient, world: World) -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "products.md"
    steps = STEP.findall(doc.read_text(encoding="utf-8"))
    assert [path.rsplit("/", 1)[-1] for path, _ in steps] == [
        "products",
        "lots",
        "sessions",
        "recall",
    ]
    person, _intake, plan = planned_course(world)
    ids: dict[str, Any] = {
        "today": TODAY.isoformat(),
        "expiry": (TODAY + dt.timedelta(days=120)).isoformat(),
        "client": person.id,
        "plan": plan.id,
    }
    owner = login(client, "owner@a.example")
    for path, body in steps:
        url = PLACEHOLDER.sub(lambda match: str(ids[match.group(1)]), path)
        response = client.post(url, json=_fill(json.loads(body), ids), headers=owner)
        assert response.status_code in (200, 201), (path, response.text)
        kind = path.rsplit("/", 1)[-1].removesuffix("s")
        ids.setdefault(kind, response.json()["id"])
    recall = client.get(f"{API}/lots/recall", params={"number": "AN-2291"}, headers=owner).json()
    assert [s["session_id"] for s in recall["sessions"]] == [ids["session"]]
    assert recall["lots"][0]["recalled"] is True
