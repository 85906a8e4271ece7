"""Two app servers (two processes, as on two machines: separate data directories) on one
PostgreSQL database: what one server starts, the other honours. A log-in, a page form's
one-time token, an API idempotency key, the log-in limit and a photo all live in the database,
never in a process."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from tests.app_server import serving
from tests.images import image
from tests.world import PASSWORD, build_world

from microneedling.config import Settings
from microneedling.services.common import Records

SECRET = "two-servers-share-this-secret-" + "x" * 24


@pytest.fixture(scope="module")
def servers(
    postgres: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """Servers A and B on one fresh database holding the named world's users."""
    if isinstance(postgres, str):
        pytest.skip(postgres)
    from sqlalchemy import create_engine, text

    admin = create_engine(postgres.url("postgres"), isolation_level="AUTOCOMMIT")  # type: ignore[attr-defined]
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE stateless TEMPLATE template_records"))
    url: str = postgres.url("stateless")  # type: ignore[attr-defined]
    root = tmp_path_factory.mktemp("servers")
    settings = Settings(
        environment="test", secret_key=SecretStr(SECRET), data_dir=root, database_url=url
    )
    records = Records.open(settings)
    build_world(records)
    records.engine.dispose()
    common = {
        "MICRONEEDLING_ENVIRONMENT": "production",
        "MICRONEEDLING_SECRET_KEY": SECRET,
        "MICRONEEDLING_DATABASE_URL": url,
        "MICRONEEDLING_PHOTO_STORE": "postgres",
        "MICRONEEDLING_LOGIN_MAX_FAILURES": "2",
    }
    try:
        with (
            serving({**common, "MICRONEEDLING_DATA_DIR": str(root / "a")}) as a,
            serving({**common, "MICRONEEDLING_DATA_DIR": str(root / "b")}) as b,
        ):
            yield a, b
    finally:
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE stateless WITH (FORCE)"))
        admin.dispose()


def _field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert found, f"no {name} in the page"
    return found.group(1)


def _logged_in_on(base: str, email: str) -> httpx.Client:
    browser = httpx.Client(base_url=base, timeout=30)
    page = browser.get("/login").text
    answer = browser.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": _field(page, "csrf_token")},
    )
    assert answer.status_code == 303, answer.text
    return browser


def test_a_log_in_and_a_form_token_from_one_server_are_honoured_by_the_other(
    servers: tuple[str, str],
) -> None:
    a, b = servers
    browser = _logged_in_on(a, "clinician@a.example")
    browser.base_url = httpx.URL(b)
    form = browser.get("/clients/new")
    assert form.status_code == 200 and "csrf_token" in form.text  # B knows A's session
    data = {
        "csrf_token": _field(form.text, "csrf_token"),
        "form_token": _field(form.text, "form_token"),
        "given_name": "Ada",
        "family_name": "Stateless",
        "birth_date": "1990-04-02",
    }
    browser.base_url = httpx.URL(a)
    first = browser.post("/clients", data=data)  # B's CSRF token is good on A
    assert first.status_code == 303, first.text
    browser.base_url = httpx.URL(b)
    again = browser.post("/clients", data=data)
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"] + "?saved=again"
    listed = browser.get("/clients", params={"q": "stateless"}).text
    assert listed.count("Stateless") == 1


def _token(base: str, email: str) -> dict[str, str]:
    answer = httpx.post(f"{base}/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_an_idempotency_key_and_a_photo_sent_to_one_server_are_known_to_the_other(
    servers: tuple[str, str],
) -> None:
    a, b = servers
    headers = {**_token(a, "clinician@a.example"), "Idempotency-Key": "register-once"}
    body = {"given_name": "Bo", "family_name": "Twoservers", "birth_date": "1991-05-06"}
    first = httpx.post(f"{b}/api/v1/clients", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = httpx.post(f"{a}/api/v1/clients", json=body, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    content = image("PNG")
    uploaded = httpx.post(
        f"{a}/api/v1/clients/{first.json()['id']}/photos",
        files={"file": ("face.png", content, "image/png")},
        # a plain square is no face: kept, as a clinician may insist, despite the quality check
        data={"view": "front", "taken_on": "2026-01-02", "quality_confirmed": "true"},
        headers=_token(a, "assistant@a.example"),
    )
    assert uploaded.status_code == 201, uploaded.text
    photo = httpx.get(
        f"{b}/api/v1/photos/{uploaded.json()['id']}/file", headers=_token(b, "reader@a.example")
    )
    assert photo.status_code == 200
    assert hashlib.sha256(photo.content).hexdigest() == uploaded.json()["sha256"]


def test_log_in_failures_on_one_server_count_on_the_other(servers: tuple[str, str]) -> None:
    a, b = servers
    wrong = {"username": "owner@b.example", "password": "not the password"}
    for base in (a, b):
        assert httpx.post(f"{base}/api/v1/auth/token", data=wrong).status_code == 401
    limited = httpx.post(f"{a}/api/v1/auth/token", data=wrong)
    assert limited.status_code == 429, limited.text
    right = {"username": "owner@b.example", "password": PASSWORD}
    assert httpx.post(f"{b}/api/v1/auth/token", data=right).status_code == 429


def test_the_servers_kept_nothing_in_their_data_directories(
    servers: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No secret was generated and no photo written to a machine's own disk."""
    _a, _b = servers
    root = Path(str(tmp_path_factory.getbasetemp()))
    kept = [p.name for p in root.glob("servers*/[ab]/**/*") if p.is_file()]
    assert set(kept) <= {"server.lock"}, kept
