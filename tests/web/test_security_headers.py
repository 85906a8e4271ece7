"""Headers on pages, API answers and photo files; no inline script anywhere; Swagger UI from
this site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.services.test_photos import PNG
from tests.web.conftest import API, login
from tests.world import TODAY, World, new_client

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "microneedling" / "web" / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)


def _policy(response: object) -> dict[str, str]:
    header = response.headers["content-security-policy"]  # type: ignore[attr-defined]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.parametrize("template", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_templates_hold_no_inline_script_or_handler(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text)
    assert not HANDLER.search(text)
    assert not SCRIPT_URL.search(text)


def test_pages_forbid_inline_script_and_framing(client: TestClient) -> None:
    page = client.get("/login")
    policy = _policy(page)
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["cache-control"] == "no-store"


def test_patient_data_is_never_cached_but_static_files_may_be(
    client: TestClient, world: World
) -> None:
    new_client(world)
    headers = login(client, "clinician@a.example")
    answer = client.get(f"{API}/clients", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/static/app.css").headers.get("cache-control", "")


def test_a_photo_file_from_the_api_is_an_attachment_never_sniffed(
    client: TestClient, world: World
) -> None:
    person = new_client(world)
    headers = login(client, "clinician@a.example")
    photo = client.post(
        f"{API}/clients/{person.id}/photos",
        files={"file": ("cheek.png", PNG, "image/png")},
        data={"view": "front", "taken_on": TODAY.isoformat()},
        headers=headers,
    )
    assert photo.status_code == 201, photo.text
    answer = client.get(f"{API}/photos/{photo.json()['id']}/file", headers=headers)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="photo-{photo.json()["id"]}.png"'
    )
    assert answer.headers["cache-control"] == "no-store"


def test_the_api_docs_load_swagger_ui_from_this_site(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert not INLINE_SCRIPT.search(page.text)
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(source.startswith("/static/") for source in sources)
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert "/api/v1/openapi.json" in page.text


def test_access_log_lines_leave_out_query_strings(client: TestClient) -> None:
    """uvicorn's access line: a name typed in a search must not reach the log."""
    import logging

    access = logging.getLogger("uvicorn.access")
    record = access.makeRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/clients?q=Osei&limit=5", "1.1", 200),
        None,
    )
    assert all(f.filter(record) for f in access.filters)
    assert "Osei" not in record.getMessage()
    assert "/api/v1/clients" in record.getMessage()
