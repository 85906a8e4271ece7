"""A whole course of treatment in headless Chromium, and the public home check."""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from pathlib import Path
from typing import Any

from tests.web.browser.conftest import Served, Shots
from tests.web.page_world import email_for
from tests.world import PASSWORD, TODAY

from microneedling.services import products
from microneedling.services.clinical_records import record
from microneedling.services.reminders import opt_out_token
from microneedling.services.treatment_sessions import SESSION

START = TODAY + dt.timedelta(days=7)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small solid-colour PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def log_in(page: Any, served: Served, shot: Shots, role: str = "clinician") -> None:
    page.goto(f"{served.url}/login")
    page.get_by_label("E-mail").fill(email_for(role))
    page.get_by_label("Password").fill(PASSWORD)
    shot(page, "log-in")
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/clients")


def new_client(page: Any, shot: Shots) -> str:
    page.get_by_role("link", name="New client").click()
    page.get_by_label("Given name").fill("Noor")
    page.get_by_label("Family name").fill("Haddad")
    page.get_by_label("Date of birth").fill("1991-06-15")
    shot(page, "new-client")
    page.get_by_role("button", name="Register client").click()
    page.wait_for_url(re.compile(r"/clients/\d+$"))
    return str(page.url)


def intake_with_a_deferral(page: Any, shot: Shots, client_url: str) -> None:
    """The finding appears as the form is filled, then as a badge on the client's page."""
    page.get_by_role("link", name="New intake").click()
    page.get_by_label("Fitzpatrick phototype").select_option("3")
    page.get_by_label("Pregnant").check()
    page.locator("#findings").get_by_text("until after delivery").wait_for()
    shot(page, "intake-findings")
    page.get_by_role("button", name="Save intake").click()
    page.wait_for_url(client_url)
    assert "deferred until after delivery" in page.locator(".badge-defer").inner_text()
    shot(page, "client-deferred")
    # After delivery: a new intake without findings.
    page.get_by_role("link", name="New intake").click()
    page.get_by_label("Fitzpatrick phototype").select_option("3")
    page.get_by_role("button", name="Save intake").click()
    page.wait_for_url(client_url)
    assert page.locator(".badge-defer").count() == 0


def plan_on_the_map(page: Any, shot: Shots, start: dt.date = START) -> str:
    """Cheeks (clicked on the map) and forehead (keyboard, on the checklist the map mirrors)
    for acne scars, first session on `start`; accepted with consent."""
    page.get_by_role("link", name="New plan").click()
    page.locator("#c0-indication").select_option("acne_scars_atrophic")
    page.locator('#map-c0 path.zone[data-zone="cheeks"]').first.click()
    page.locator("#c0-zone-forehead").focus()
    page.keyboard.press("Space")
    assert page.locator("#c0-zone-cheeks").is_checked()
    assert page.locator("#c0-zone-forehead").is_checked()
    page.locator('#map-c0 path.zone.picked[data-zone="forehead"]').wait_for()
    page.get_by_label("First session on").fill(start.isoformat())
    page.locator('#preview-map path.zone.planned[data-zone="forehead"]').wait_for()
    page.locator("#plan-preview").get_by_text(re.compile(r"^\d{4}-\d\d-\d\d$")).first.wait_for()
    assert page.locator("#preview-map path.zone.planned").count() == 3
    shot(page, "plan-form")
    page.get_by_role("button", name="Save plan").click()
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    assert page.locator("#plan-map path.zone.planned").count() >= 3
    assert page.locator(".legend li").count() >= 5
    page.get_by_role("button", name="Accept the plan").click()
    page.get_by_text("Accepted by Noor Haddad").wait_for()
    shot(page, "plan")
    return str(page.url)


def log_session(page: Any, shot: Shots, client_url: str) -> None:
    """Prefilled from the plan; a deeper needle shows as a departure as soon as it is typed,
    is refused on save, marked at its field, and saved once confirmed with a reason; a double
    click on Save saves one session."""
    page.goto(client_url)
    page.get_by_role("link", name="Log session").click()
    needle = page.locator("#z0-needle_mm")
    assert needle.input_value() != ""
    page.get_by_label("Lots used").fill("LOT-4471")
    page.get_by_label("I confirm the cartridge is sterile").check()
    needle.fill("1")
    needle.press("Tab")
    page.locator("#session-warnings").get_by_text("follows the plan").wait_for()
    needle.fill("2.5")
    needle.press("Tab")
    page.locator('#session-warnings [data-code="depth_above_plan"]').wait_for()
    shot(page, "session-form")
    page.get_by_role("button", name="Save session").click()
    page.locator('#z0-needle_mm[aria-invalid="true"]').wait_for()
    assert "2.5 mm logged" in page.locator("#z0-needle_mm-error").inner_text()
    assert page.locator('#departure_reason[aria-invalid="true"]').count() == 1
    shot(page, "session-refused")
    page.get_by_label("I confirm the session departs").check()
    page.get_by_label("Reason for the departure").fill("deep rolling scars at the edges")
    form = page.locator('form[action$="/sessions"]')
    sent = form.evaluate("f => Object.fromEntries(new FormData(f))")
    action = form.evaluate("f => f.action")
    page.get_by_role("button", name="Save session").dblclick()
    page.wait_for_url(re.compile(r"/records/session/\d+"))
    assert "deep rolling scars at the edges" in page.inner_text("main")
    shot(page, "session-record")
    again = page.request.post(action, form=sent)  # the same form sent once more
    assert again.url.split("?")[0] == page.url.split("?")[0] and "saved=again" in again.url
    assert "already saved" in again.text()
    page.goto(client_url)
    assert page.locator(".timeline .kind", has_text="session").count() == 1


def cold_sores_hold_back_the_next_session(page: Any, shot: Shots, client_url: str) -> None:
    """Active cold sores at a new intake: a badge on every facial zone; a new plan for the cheeks
    is deferred, cannot be accepted, and its handout says "Not now"; the next session on the
    cheeks is refused until the departure is confirmed with a reason."""
    page.goto(client_url)
    page.get_by_role("link", name="New intake").click()
    page.get_by_label("Fitzpatrick phototype").select_option("3")
    page.locator("#cond-herpes_labialis-status").select_option("active")
    page.locator("#findings").get_by_text("every facial zone").wait_for()
    page.get_by_role("button", name="Save intake").click()
    page.wait_for_url(client_url)
    badge = page.locator(".badge-defer").inner_text()
    assert "Herpes labialis (cold sores)" in badge and "every facial zone" in badge
    shot(page, "client-cold-sores")
    page.get_by_role("link", name="New plan").click()
    page.locator("#c0-indication").select_option("acne_scars_atrophic")
    page.locator("#c0-zone-cheeks").check()
    page.get_by_role("button", name="Save plan").click()
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    assert "This plan is deferred" in page.inner_text("main")
    assert page.get_by_role("button", name=re.compile("Accept the plan")).count() == 0
    shot(page, "plan-deferred")
    page.goto(f"{page.url}/handout")
    article = page.inner_text("article")
    assert "Not now" in article and "cold sores" in article.lower()
    assert "Your next sessions" not in article
    shot(page, "handout-deferred")
    page.goto(client_url)
    page.get_by_role("link", name="Log session").click()
    assert "is deferred: no session is planned" in page.inner_text("main")
    page.get_by_label("I confirm the cartridge is sterile").check()
    page.locator("#z0-zone").select_option("cheeks")
    page.locator("#z0-needle_mm").fill("1")
    shot(page, "session-form-while-deferred")
    page.get_by_role("button", name="Save session").click()
    page.locator('#session-warnings [data-code="zone_held_by_finding"]').first.wait_for()
    assert page.locator('select[aria-invalid="true"]').count() >= 1
    shot(page, "session-held-by-cold-sores")
    page.get_by_label("I confirm the session departs").check()
    page.get_by_label("Reason for the departure").fill("lesion crusted; client insisted")
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(re.compile(r"/records/session/\d+$"))
    held = page.locator('.warnings [data-code="zone_held_by_finding"]').first.inner_text()
    assert "zone_held_by_finding" not in held and "Active cold sores" in held


GAGS = (
    ("forehead", "1"),
    ("right_cheek", "2"),
    ("left_cheek", "2"),
    ("nose", "0"),
    ("chin", "1"),
    ("chest_upper_back", "0"),
)


def record_score(page: Any, shot: Shots, client_url: str) -> None:
    page.goto(f"{client_url}/scores")
    page.get_by_label("Instrument").select_option("gags")
    page.locator("#a-forehead").wait_for()
    for item, value in GAGS:
        page.locator(f"#a-{item}").select_option(value)
    page.get_by_role("button", name="Record score").click()
    page.get_by_text("band mild").wait_for()
    assert page.locator("polyline.series").count() == 1
    shot(page, "scores")


def upload_and_compare(page: Any, shot: Shots, client_url: str, folder: Path) -> None:
    page.goto(f"{client_url}/photos")
    for day, colour in (("2026-01-05", (200, 120, 110)), ("2026-03-05", (220, 170, 150))):
        image = folder / f"{day}.png"
        image.write_bytes(png(120, 90, colour))
        page.get_by_label("Photo (JPEG").set_input_files(str(image))
        page.get_by_label("Zone").select_option("cheeks")
        page.get_by_label("Taken on").fill(day)
        page.get_by_role("button", name="Upload photo").click()
        page.wait_for_url(f"{client_url}/photos")
    assert page.locator(".side-by-side img").count() == 2
    page.get_by_label("Slide to reveal").fill("80")
    shot(page, "photos")


def handout_and_calendar(page: Any, shot: Shots, plan_url: str, client_url: str) -> None:
    """The next session is dated from the sessions done (today), not from the plan's start."""
    page.goto(client_url)
    next_due = page.locator("p.next strong").inner_text()
    assert next_due != START.isoformat()
    page.goto(f"{plan_url}/handout")
    article = page.inner_text("article")
    assert next_due in article and START.isoformat() not in article
    shot(page, "handout")
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    shot(page, "handout-print")
    page.emulate_media(media="screen")
    calendar = page.request.get(f"{plan_url}/schedule.ics")
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert f"DTSTART;VALUE=DATE:{next_due.replace('-', '')}" in calendar.text()


def correction_url(served: Served, client_url: str, plan_url: str, field: str = "zones") -> str:
    """A session logged through the services for the client of `client_url` under the plan of
    `plan_url`; the address of the form that corrects one of its fields."""
    client_id = int(client_url.rstrip("/").rsplit("/", 1)[1])
    plan_id = int(plan_url.rstrip("/").rsplit("/", 1)[1])
    data = {
        "plan_id": plan_id,
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": True,
        "zones": [{"zone": "cheeks", "needle_mm": 1.0, "passes": 4}],
        "confirm_departures": True,
        "departure_reason": "logged for the page checks",
    }
    clinician = served.world.actors["clinician"]
    saved = record(served.world.records, clinician, SESSION, client_id, data)
    return f"{served.url}/records/session/{saved.id}?correct={field}"  # type: ignore[attr-defined]


def stock_a_lot(served: Served, number: str, needle_mm: float = 3.0) -> int:
    """A cartridge lot in the catalogue, received through the services; its id."""
    owner = served.world.actors["owner"]
    product = products.create_product(
        served.world.records,
        owner,
        {
            "kind": "needle_cartridge",
            "name": f"12-pin {needle_mm:g} mm",
            "manufacturer": "Acme Needles",
            "needle_count": 12,
            "needle_mm": needle_mm,
        },
    )
    lot = products.create_lot(
        served.world.records,
        owner,
        {
            "product_id": product.id,
            "lot_number": number,
            "expires_on": (TODAY + dt.timedelta(days=365)).isoformat(),
            "quantity_in_stock": 20,
        },
    )
    return lot.id


def test_a_course_of_treatment(page: Any, served: Served, shot: Shots, tmp_path: Path) -> None:
    stock_a_lot(served, "LOT-4471")
    log_in(page, served, shot)
    shot(page, "clients")
    client_url = new_client(page, shot)
    intake_with_a_deferral(page, shot, client_url)
    plan_url = plan_on_the_map(page, shot)
    log_session(page, shot, client_url)
    record_score(page, shot, client_url)
    upload_and_compare(page, shot, client_url, tmp_path)
    handout_and_calendar(page, shot, plan_url, client_url)
    cold_sores_hold_back_the_next_session(page, shot, client_url)
    page.goto(client_url)
    shot(page, "client-timeline")


def test_the_public_home_check(page: Any, served: Served, shot: Shots) -> None:
    page.goto(f"{served.url}/home-check")
    page.get_by_label("Your age in years").fill("29")
    page.get_by_label("Your skin type").select_option("2")
    page.get_by_label("Device", exact=True).select_option("roller")
    page.get_by_label("Needle length in mm").fill("1.5")
    page.get_by_label("What do you want to treat?").select_option("acne_scars_atrophic")
    page.locator("#home-zone-cheeks").check()
    page.locator("#home-claim-claim_vitc_every_session").check()
    page.evaluate("() => window.scrollTo(0, 0)")
    page.locator('form[action="/home-check"]').evaluate("f => f.requestSubmit()")
    result = page.locator("#home-result")
    result.get_by_role("cell", name="at most 0.25 mm").wait_for()
    in_view = "() => { const top = document.querySelector('#home-result')"
    in_view += ".getBoundingClientRect().top; return top > -2 && top < innerHeight; }"
    page.wait_for_function(in_view, timeout=3000)  # the result is scrolled into view
    headline = result.locator(".status").inner_text()
    assert "Do not use your 1.5 mm derma roller on the cheeks" in headline
    assert "at most 0.25 mm" in headline and "go ahead" not in headline
    assert "The claims, corrected" in result.inner_text()
    assert "Red flags" in result.inner_text()
    assert page.url.endswith("/home-check")
    shot(page, "home-check")


PHONE = {"width": 390, "height": 844}


def unsubscribe_url(served: Served) -> str:
    """The opt-out link of the world's client, as their e-mails carry it."""
    token = opt_out_token(served.world.records, served.world.client_id)
    return f"{served.url}/unsubscribe/{token}"


def test_the_main_pages_fit_a_phone_without_scrolling_sideways(
    page: Any, served: Served, shot: Shots
) -> None:
    log_in(page, served, shot)
    client_url = new_client(page, shot)
    page.get_by_role("link", name="New intake").click()
    page.get_by_label("Fitzpatrick phototype").select_option("3")
    page.get_by_role("button", name="Save intake").click()
    page.wait_for_url(client_url)
    plan_url = plan_on_the_map(page, shot)
    page.set_viewport_size(PHONE)
    pages = {
        "clients": f"{served.url}/clients",
        "client": client_url,
        "intake": f"{client_url}/intake",
        "plan-form": f"{client_url}/plan",
        "plan": plan_url,
        "session": f"{client_url}/session",
        "home-check": f"{served.url}/home-check",
        "correction": correction_url(served, client_url, plan_url),
        "today": f"{served.url}/today",
        "diary": f"{served.url}/diary",
        "diary-week": f"{served.url}/diary?view=week",
        "booking": f"{client_url}/book",
        "plan-booking": f"{plan_url}/book",
        "unsubscribe": unsubscribe_url(served),
    }
    for name, url in pages.items():
        page.goto(url)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        shot(page, f"phone-{name}")
        assert width <= PHONE["width"], (name, width)
    page.context.clear_cookies()
    log_in(page, served, shot, "owner")  # the owner's menu is the longest
    stock_a_lot(served, "PHONE-1")
    owned = ("users", "audit", "clinic", "rooms", "calendar-feeds", "products", "lots")
    for name in (*owned, "recall?number=PHONE-1"):
        page.goto(f"{served.url}/{name}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        shot(page, f"phone-{name}")
        assert width <= PHONE["width"], (name, width)
