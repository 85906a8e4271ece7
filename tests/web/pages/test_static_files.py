"""The vendored front-end file is the version package.json pins, and the pages load it from
this site (no CDN)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.web.page_world import Browser

ROOT = Path(__file__).resolve().parents[3]
STATIC = ROOT / "src" / "microneedling" / "web" / "static"


def test_vendored_htmx_matches_the_pinned_package() -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["htmx.org"]
    locked = json.loads((ROOT / "package-lock.json").read_text())
    assert locked["packages"]["node_modules/htmx.org"]["version"] == pinned
    vendored = re.search(r'version:"([0-9.]+)"', (STATIC / "htmx.min.js").read_text())
    assert vendored and vendored.group(1) == pinned


def test_pages_load_scripts_from_this_site_only(browser: Browser) -> None:
    page = browser.get("/login").text
    sources = re.findall(r'<script[^>]+src="([^"]+)"', page)
    assert sources == ["/static/htmx.min.js", "/static/app.js"]
    assert browser.get("/static/htmx.min.js").status_code == 200
