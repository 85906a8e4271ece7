"""Fixtures for the page tests: settings on a fresh SQLite file, the page world, and a
logged-in browser-like client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from tests.web.page_world import Browser, PageWorld, build_page_world
from tests.world import CLOCK

from microneedling.config import Settings
from microneedling.web.app import create_app


@pytest.fixture
def web_settings(sqlite_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        secret_key=SecretStr("test-secret-" + "x" * 32),
        data_dir=tmp_path / "data",
        database_url=sqlite_url,
    )


@pytest.fixture
def clinic(web_settings: Settings) -> PageWorld:
    return build_page_world(web_settings, CLOCK)


@pytest.fixture
def browser(web_settings: Settings, clinic: PageWorld) -> Iterator[Browser]:
    app = create_app(web_settings)
    app.state.records = clinic.records
    with TestClient(app) as client:
        yield Browser(client)


@pytest.fixture
def clinician(browser: Browser) -> Browser:
    browser.log_in("clinician")
    return browser
