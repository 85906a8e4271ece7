"""The vendored front-end files are the versions package.json pins, and the pages load it from
this site (no CDN)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.web.page_world import Browser

ROOT = Path(__file__).resolve().parents[3]
STATIC = ROOT / "src" / "microneedling" / "web" / "static"


# Each vendored file, and how its text names the version it is.
VENDORED = {
    "htmx.org": (STATIC / "htmx.min.js", r'version:"([0-9.]+)"'),
    "swagger-ui-dist": (
        STATIC / "swagger-ui" / "swagger-ui-bundle.js",
        r'PACKAGE_VERSION:"([0-9.]+)"',
    ),
}


@pytest.mark.parametrize("package", sorted(VENDORED))
def test_vendored_files_match_the_pinned_package(package: str) -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"][package]
    locked = json.loads((ROOT / "package-lock.json").read_text())
    assert locked["packages"][f"node_modules/{package}"]["version"] == pinned
    path, pattern = VENDORED[package]
    vendored = re.search(pattern, path.read_text(encoding="utf-8"))
    assert vendored and vendored.group(1) == pinned


def test_pages_load_scripts_from_this_site_only(browser: Browser) -> None:
    page = browser.get("/login").text
    sources = re.findall(r'<script[^>]+src="([^"]+)"', page)
    assert sources == ["/static/htmx.min.js", "/static/app.js"]
    assert browser.get("/static/htmx.min.js").status_code == 200
