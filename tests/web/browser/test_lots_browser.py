"""Products, lots and the recall in headless Chromium: the owner adds a cartridge and receives
a lot through the pages, a session records the lot chosen from the field's list, the recall page
finds the session and the client, and the new pages fit a phone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.web.browser.conftest import Served, Shots
from tests.web.browser.test_browser import PHONE, log_in, new_client, plan_on_the_map
from tests.world import TODAY


def add_a_cartridge_and_a_lot(page: Any, served: Served, shot: Shots, number: str) -> None:
    page.get_by_role("link", name="Products").click()
    page.get_by_label("Kind").select_option("needle_cartridge")
    page.get_by_label("Name").fill("Nano 12-pin")
    page.get_by_label("Manufacturer").fill("Acme Needles")
    page.get_by_label("Needle count").fill("12")
    page.get_by_label("Needle length in mm").fill("2.5")
    page.get_by_role("button", name="Add product").click()
    page.get_by_role("cell", name="12 × 2.5 mm").wait_for()
    shot(page, "products")
    page.get_by_role("link", name="Lots", exact=True).click()
    page.get_by_label("Product").select_option(label="Nano 12-pin (Acme Needles)")
    page.get_by_label("Lot number").fill(number)
    page.get_by_label("Expires on").fill((TODAY + dt.timedelta(days=90)).isoformat())
    page.get_by_label("Units in the lot").fill("6")
    page.get_by_role("button", name="Receive lot").click()
    page.get_by_role("link", name=number).wait_for()
    assert "6 in stock" in page.inner_text("main")
    shot(page, "lots")


def log_a_session_with_the_lot(page: Any, shot: Shots, client_url: str, number: str) -> None:
    page.goto(client_url)
    page.get_by_role("link", name="Log session").click()
    options = page.locator("#usable-lots option").evaluate_all("os => os.map(o => o.value)")
    assert number in options
    page.get_by_label("Lots used").fill(number)
    page.get_by_label("I confirm the cartridge is sterile").check()
    page.locator("#z0-needle_mm").fill("1")
    page.locator("#z0-needle_mm").press("Tab")
    page.locator("#session-warnings").get_by_text("follows the plan").wait_for()
    shot(page, "session-with-lot")
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(re.compile(r"/records/session/\d+"))
    page.get_by_role("link", name=f"Lot {number}").wait_for()
    shot(page, "session-record")


def test_a_session_records_a_lot_and_the_recall_finds_it(
    page: Any, served: Served, shot: Shots
) -> None:
    log_in(page, served, shot, "owner")
    add_a_cartridge_and_a_lot(page, served, shot, "NANO-77")
    page.get_by_role("link", name="Clients").click()
    client_url = new_client(page, shot)
    page.get_by_role("link", name="New intake").click()
    page.get_by_label("Fitzpatrick phototype").select_option("3")
    page.get_by_role("button", name="Save intake").click()
    page.wait_for_url(client_url)
    plan_on_the_map(page, shot)
    log_a_session_with_the_lot(page, shot, client_url, "NANO-77")
    page.get_by_role("link", name="Lot NANO-77").click()
    page.get_by_text("1 session used this lot.").wait_for()
    assert "Noor Haddad" in page.inner_text("main")
    assert page.get_by_role("columnheader", name="Contact").count() == 1
    shot(page, "recall")
    page.get_by_role("link", name="Lots", exact=True).click()
    assert "5 in stock" in page.inner_text("main")
    page.get_by_label("Recall reason").fill("maker's notice: sterility")
    page.get_by_role("button", name="Mark recalled").click()
    page.wait_for_url(re.compile(r"/lots/\d+/sessions"))
    assert "recalled" in page.inner_text("main")
    page.goto(f"{served.url}/recall")
    page.get_by_label("Lot number").fill("NANO-77")
    page.get_by_role("button", name="Find sessions").click()
    page.get_by_text("1 session used this lot.").wait_for()
    page.set_viewport_size(PHONE)
    for name in ("products", "lots", "recall?number=NANO-77", client_url + "/session"):
        page.goto(name if name.startswith("http") else f"{served.url}/{name}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        shot(page, "phone-" + re.sub(r"\W+", "-", name.rsplit("/", 2)[-1]))
        assert width <= PHONE["width"], (name, width)
