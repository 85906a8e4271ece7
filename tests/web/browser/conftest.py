"""The app served by uvicorn on a free port, and Debian's Chromium driven by Playwright.

Locally the browser tests skip, saying why, when Chromium or Playwright is missing; in CI
(`CI=true`) that is a failure. Screenshots go to `test-output/screenshots/` (printed at the
end of the run)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from tests.web.page_world import PageWorld, build_page_world
from tests.world import CLOCK

from microneedling.config import Settings
from microneedling.records.database import engine_for, upgrade
from microneedling.web.app import create_app

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-output" / "screenshots"


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


def chromium_path() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found or next((p for p in CHROMIUM_PATHS if Path(p).exists()), None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    def __init__(self, url: str, world: PageWorld) -> None:
        self.url = url
        self.world = world


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    import uvicorn

    data = tmp_path_factory.mktemp("browser")
    settings = Settings(
        environment="test",
        secret_key=SecretStr("browser-secret-" + "x" * 32),
        data_dir=data / "data",
        database_url=f"sqlite:///{data / 'records.db'}",
        # Open every day: the courses book from the suite's fixed today, whatever its weekday.
        opening_hours="mon-sun 09:00-18:00",
    )
    engine = engine_for(settings)
    upgrade(engine)
    engine.dispose()
    world = build_page_world(settings, CLOCK)
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, CLOCK), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", world)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        _missing("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


class Shots:
    """Full-page screenshots, one per page visited, numbered in the order taken."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, page: Any, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    folder = SCREENSHOTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    request.config.stash[SHOTS_KEY] = SCREENSHOTS
    return Shots(folder)


SHOTS_KEY = pytest.StashKey[Path]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    folder = config.stash.get(SHOTS_KEY, None)
    if folder is not None:
        terminalreporter.write_line(f"browser screenshots: {folder}")
