"""The OpenAPI document types the whole API: every body a route reads has a schema with its
properties, and every JSON success answer has a schema, so programs written against the API
can be generated from it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from microneedling.config import Settings
from microneedling.web.app import create_app

API = "/api/v1"
WRITES = ("post", "put", "patch")
# Operations that take no body, each with the reason.
NO_BODY = {
    ("post", "/api/v1/auth/logout"): "the token in the header is all it needs",
    ("post", "/api/v1/photos/{record_id}/analysis"): "the photo's id is all it needs",
    ("post", "/api/v1/photos/{record_id}/comparisons/{after_id}"): "the two photos' ids are all",
    ("post", "/api/v1/practitioners/{user_id}/calendar-feed"): "a new token needs no input",
}
# Success answers that are not JSON with one schema, each with the reason.
NOT_JSON = {
    ("get", "/api/v1/exports"): "JSON or CSV, as asked; the JSON is every table of the clinic",
}


@pytest.fixture
def spec(sqlite_url: str, tmp_path: Any) -> Iterator[dict[str, Any]]:
    settings = Settings(
        environment="test",
        secret_key=SecretStr("test-secret-" + "x" * 32),
        data_dir=tmp_path / "data",
        database_url=sqlite_url,
    )
    with TestClient(create_app(settings)) as client:
        yield client.get(f"{API}/openapi.json").json()


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def _resolved(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a `$ref` points at (one level), or the schema itself."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.rsplit("/", 1)[-1]
    resolved: dict[str, Any] = spec["components"]["schemas"][name]
    return resolved


def test_every_write_declares_a_body_with_its_properties(spec: dict[str, Any]) -> None:
    untyped = []
    for method, path, operation in _operations(spec):
        if method not in WRITES or (method, path) in NO_BODY:
            continue
        content = operation.get("requestBody", {}).get("content", {})
        schemas = [_resolved(spec, media.get("schema", {})) for media in content.values()]
        if not schemas or not all(schema.get("properties") for schema in schemas):
            untyped.append(f"{method.upper()} {path}")
    assert untyped == []


def test_every_json_success_answer_has_a_schema(spec: dict[str, Any]) -> None:
    untyped = []
    for method, path, operation in _operations(spec):
        for status, response in operation["responses"].items():
            if not status.startswith("2") or (method, path) in NOT_JSON:
                continue
            media = response.get("content", {}).get("application/json")
            if media is not None and not media.get("schema"):
                untyped.append(f"{method.upper()} {path} {status}")
    assert untyped == []


@pytest.mark.parametrize(
    ("method", "path", "model"),
    [
        ("patch", "/api/v1/clients/{client_id}", "ClientChange"),
        ("post", "/api/v1/plans/preview", "PlanPreviewIn"),
        ("post", "/api/v1/{entity}s/{record_id}/amendments", "AmendmentIn"),
        ("post", "/api/v1/users", "UserIn"),
        ("patch", "/api/v1/users/{user_id}", "UserChange"),
        ("post", "/api/v1/me/password", "PasswordChange"),
    ],
)
def test_bodies_that_were_untyped_name_their_model(
    spec: dict[str, Any], method: str, path: str, model: str
) -> None:
    body = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"] == f"#/components/schemas/{model}"


def test_the_exempt_operations_exist(spec: dict[str, Any]) -> None:
    """An exemption for an operation that is gone would hide nothing but rot."""
    operations = {(method, path) for method, path, _ in _operations(spec)}
    assert set(NO_BODY) | set(NOT_JSON) <= operations
