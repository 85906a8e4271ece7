"""The diary in Chromium: the owner adds a room, a clinician plans a course that starts today,
books the plan's sessions in one step and finds the client on the today page; the week view
moves a booking dragged to another hour."""

from __future__ import annotations

import re
from typing import Any

from tests.web.browser.conftest import Served, Shots
from tests.web.browser.test_browser import PHONE, log_in, new_client, plan_on_the_map
from tests.world import TODAY


def add_a_room(page: Any, served: Served, shot: Shots) -> None:
    log_in(page, served, shot, "owner")
    page.get_by_role("link", name="Rooms").click()
    page.get_by_label("Name").fill("Treatment room")
    page.get_by_role("button", name="Add").click()
    page.get_by_label("Name").first.wait_for()
    assert (
        page.locator("#room-name-1").input_value() == "Treatment room"
        or page.locator("input[value='Treatment room']").count()
    )
    shot(page, "rooms")
    page.context.clear_cookies()


def test_the_course_books_the_plan_and_finds_it_on_the_today_page(
    page: Any, served: Served, shot: Shots
) -> None:
    add_a_room(page, served, shot)
    log_in(page, served, shot)
    client_url = new_client(page, shot)
    page.get_by_role("link", name="New intake").click()
    page.get_by_label("Fitzpatrick phototype").select_option("3")
    page.get_by_role("button", name="Save intake").click()
    page.wait_for_url(client_url)
    plan_url = plan_on_the_map(page, shot, start=TODAY)
    page.get_by_role("link", name="Book the sessions still to come").click()
    page.get_by_label("Practitioner").select_option(label="clinician user")
    page.get_by_label("Room").select_option("Treatment room")
    page.get_by_label("Time").fill("10:00")
    page.get_by_label("Length in minutes").fill("45")
    shot(page, "plan-booking")
    page.get_by_role("button", name="Book the plan's sessions").click()
    page.wait_for_url(re.compile(re.escape(plan_url) + r"#bookings$"))
    assert "Session 1:" in page.locator("#bookings").locator("..").inner_text()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    coming = page.locator("section[aria-labelledby='coming']")
    coming.get_by_role("link", name="Noor Haddad").wait_for()
    assert "10:00" in coming.inner_text()
    shot(page, "today")
    page.set_viewport_size(PHONE)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "phone-today")
    page.set_viewport_size({"width": 1280, "height": 900})
    drag_to_another_hour(page, served, shot)


def drag_to_another_hour(page: Any, served: Served, shot: Shots) -> None:
    """With JavaScript, a booking dragged to another hour of the week view moves there."""
    page.goto(f"{served.url}/diary?view=week&day={TODAY.isoformat()}")
    card = page.locator(f".slot[data-day='{TODAY.isoformat()}'] .booking").first
    card.wait_for()
    target = page.locator(f".slot[data-day='{TODAY.isoformat()}'][data-hour='15']")
    card.drag_to(target)
    page.wait_for_load_state("load")
    moved = page.locator(f".slot[data-day='{TODAY.isoformat()}'][data-hour='15'] .booking")
    moved.first.wait_for()
    assert "15:00" in moved.first.inner_text()
    shot(page, "diary-week")
