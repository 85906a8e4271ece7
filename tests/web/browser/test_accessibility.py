"""axe-core on every main page, at laptop and phone width, and the plan form by keyboard.

axe-core comes from tools/fhir-validator's pinned packages (`make test` runs `npm ci` there);
without it the axe test skips locally and fails in CI, like the browser itself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from tests.images import image
from tests.web.browser.conftest import IN_CI, Served, Shots
from tests.web.browser.test_browser import (
    PHONE,
    correction_url,
    log_in,
    new_client,
    plan_on_the_map,
    stock_a_lot,
    unsubscribe_url,
)
from tests.web.page_world import email_for
from tests.world import PASSWORD, TODAY

from microneedling.services import photos

AXE = Path(__file__).parents[3] / "tools" / "fhir-validator" / "node_modules" / "axe-core"
AXE_JS = AXE / "axe.min.js"
BLOCKING = ("serious", "critical")
LAPTOP = {"width": 1280, "height": 900}
# Tab presses from the top of the plan form to its Save button, measured: 108 when every map
# shape was a tab stop beside its checkbox, 58 once the map became a mouse shortcut for the
# checklist, 38 with the optional second concern folded, 40 once the main menu gained the
# diary's Today and Diary.
MAX_TABS_TO_SAVE = 42


def axe_violations(page: Any) -> list[str]:
    """The serious and critical violations on the page as "rule (impact): targets"."""
    page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(
        """async () => (await axe.run(document)).violations.map(v => ({
            id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(" "))}))"""
    )
    return [
        f"{v['id']} ({v['impact']}): {', '.join(v['targets'])}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def course_pages(page: Any, served: Served, shot: Shots) -> dict[str, str]:
    """Logs in and makes a client with an intake and an accepted plan; the pages to check."""
    page.goto(f"{served.url}/login")
    pages = {"log-in": page.url}
    log_in(page, served, shot)
    pages["new-client"] = f"{served.url}/clients/new"
    client_url = new_client(page, shot)
    page.get_by_role("link", name="New intake").click()
    page.get_by_label("Fitzpatrick phototype").select_option("3")
    page.get_by_role("button", name="Save intake").click()
    page.wait_for_url(client_url)
    plan_url = plan_on_the_map(page, shot)
    return pages | {
        "clients": f"{served.url}/clients",
        "client": client_url,
        "intake": f"{client_url}/intake",
        "plan-form": f"{client_url}/plan",
        "plan": plan_url,
        "session-form": f"{client_url}/session",
        "scores": f"{client_url}/scores",
        "photos": f"{client_url}/photos",
        "handout": f"{plan_url}/handout",
        "plan-summary": f"{plan_url}/summary",
        "consents": f"{client_url}/consents",
        "consent-sign": f"{client_url}/consents/new?scope=photography",
        "course-report": f"{client_url}/report",
        "password": f"{served.url}/account/password",
        "correction": correction_url(served, client_url, plan_url),
        "home-check": f"{served.url}/home-check",
        "today": f"{served.url}/today",
        "diary": f"{served.url}/diary",
        "diary-week": f"{served.url}/diary?view=week",
        "booking": f"{client_url}/book",
        "plan-booking": f"{plan_url}/book",
        "calendar-feeds": f"{served.url}/calendar-feeds",
        "unsubscribe": unsubscribe_url(served),
    }


def photos_being_compared(served: Served, client_url: str) -> str:
    """The client's photos page with a before/after pair whose change is being measured (the
    quality check left out: this is about the page, not the photos)."""
    client_id = int(client_url.rstrip("/").rsplit("/", 1)[1])
    world = served.world
    earlier = TODAY - dt.timedelta(days=30)
    for colour, taken_on in (((120, 90, 80), earlier), ((130, 95, 85), TODAY)):
        photos.add_photo(
            world.records,
            world.actors["clinician"],
            client_id,
            image("JPEG", size=(640, 480), colour=colour),
            {"view": "front", "taken_on": taken_on.isoformat()},
            check=lambda _content, _view: [],
        )
    return f"{client_url}/photos"


def preview_a_plan(page: Any) -> None:
    page.locator("#c0-indication").select_option("acne_scars_atrophic")
    page.locator("#c0-zone-cheeks").check()
    page.locator('#preview-map path.zone.planned[data-zone="cheeks"]').first.wait_for()


def check_at_home(page: Any) -> None:
    page.get_by_label("Your age in years").fill("29")
    page.get_by_label("Your skin type").select_option("2")
    page.get_by_label("Device", exact=True).select_option("roller")
    page.get_by_label("Needle length in mm").fill("1.5")
    page.get_by_label("What do you want to treat?").select_option("acne_scars_atrophic")
    page.locator("#home-zone-cheeks").check()
    page.get_by_role("button", name="Show my home plan").click()
    page.locator("#home-result .status").wait_for()


def test_axe_finds_nothing_serious_on_the_main_pages(
    chromium: Any, served: Served, shot: Shots
) -> None:
    if not AXE_JS.exists():
        reason = "axe-core is not installed (make test runs npm ci in tools/fhir-validator)"
        if IN_CI:
            pytest.fail(f"axe-core is required in CI: {reason}")
        pytest.skip(reason)
    # The pages' CSP forbids inline scripts; only the test's injected axe bypasses it.
    clinician = chromium.new_context(viewport=LAPTOP, bypass_csp=True)
    page = clinician.new_page()
    pages = course_pages(page, served, shot)
    owner = chromium.new_context(viewport=LAPTOP, bypass_csp=True)
    owner_page = owner.new_page()
    owner_page.goto(f"{served.url}/login")
    owner_page.get_by_label("E-mail").fill(email_for("owner"))
    owner_page.get_by_label("Password").fill(PASSWORD)
    owner_page.get_by_label("Password").press("Enter")
    owner_page.wait_for_url("**/clients")
    checks = [(page, name, url) for name, url in pages.items()]
    checks.append((page, "photos-being-compared", photos_being_compared(served, pages["client"])))
    lot_id = stock_a_lot(served, "AXE-1")
    owned = ("audit", "users", "clinic", "rooms", "products", "lots", "recall")
    checks += [(owner_page, name, f"{served.url}/{name}") for name in owned]
    checks.append((owner_page, "lot-sessions", f"{served.url}/lots/{lot_id}/sessions"))
    found = []
    for tab, name, url in checks:
        for width, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
            tab.set_viewport_size(viewport)
            tab.goto(url)
            found += [f"{name} at {width}: {v}" for v in axe_violations(tab)]
    page.set_viewport_size(LAPTOP)
    for name, fill in (("plan preview", preview_a_plan), ("home check result", check_at_home)):
        page.goto(pages["plan-form" if name == "plan preview" else "home-check"])
        fill(page)
        found += [f"{name}: {v}" for v in axe_violations(page)]
    owner.close()
    clinician.close()
    assert not found, "\n".join(found)


def test_save_on_the_plan_form_is_a_few_tabs_away(page: Any, served: Served, shot: Shots) -> None:
    log_in(page, served, shot)
    client_url = new_client(page, shot)
    page.get_by_role("link", name="New intake").click()
    page.get_by_label("Fitzpatrick phototype").select_option("3")
    page.get_by_role("button", name="Save intake").click()
    page.wait_for_url(client_url)
    page.goto(f"{client_url}/plan")
    is_save = "() => document.activeElement.textContent.trim() === 'Save plan'"
    presses = 0
    while not page.evaluate(is_save):
        assert presses < MAX_TABS_TO_SAVE, "Save plan is not reached within the bound"
        page.keyboard.press("Tab")
        presses += 1
    print(f"Save plan reached in {presses} Tab presses")
