"""Signing a consent on screen in headless Chromium: the text first, a signature drawn with the
mouse on the canvas, the signed copy, and its PDF downloaded and read back."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.pdf_text import pdf_text, words
from tests.web.browser.conftest import Served, Shots
from tests.web.browser.test_browser import PHONE, log_in, new_client

from microneedling.services.consents import consent_texts, current_version


def draw_a_signature(page: Any, canvas: Any) -> None:
    """A zig-zag stroke with the mouse, as a person signing would make with any pointer."""
    box = canvas.bounding_box()
    left, top = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(left, top)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(left + step * 25, top + (20 if step % 2 else -20), steps=4)
    page.mouse.up()


def test_a_client_signs_with_the_mouse_and_the_pdf_holds_the_text_and_the_signer(
    page: Any, served: Served, shot: Shots, tmp_path: Path
) -> None:
    log_in(page, served, shot)
    client_url = new_client(page, shot)
    page.get_by_role("link", name="Consents").click()
    page.locator('tr[data-scope="photography"]').get_by_role("link", name="Sign").click()
    text = consent_texts()[("photography", current_version("photography"))]
    assert words(text)[:60] in words(page.locator("#consent-text").inner_text())
    page.get_by_label("Your full name").fill("Noor Haddad")
    pad = page.locator('canvas[data-signature-for="signature_png"]')
    draw_a_signature(page, pad)
    assert page.locator("#signature_png").input_value(), "the drawing reached the form"
    shot(page, "consent-signed-on-the-pad")
    page.get_by_role("button", name="Sign the consent").click()
    page.wait_for_url(re.compile(r"/consents/\d+$"))
    assert page.get_by_role("img", name="Signature of Noor Haddad").is_visible()
    assert "electronic signature" in page.content()
    shot(page, "consent-copy")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    saved = tmp_path / "consent.pdf"
    download.value.save_as(saved)
    found = pdf_text(saved.read_bytes())
    assert words(text) in found and "Noor Haddad" in found

    page.set_viewport_size(PHONE)
    pages = (
        page.url,
        f"{client_url}/consents",
        f"{client_url}/consents/new?scope=treatment",
        f"{client_url}/report",
    )
    for url in pages:
        page.goto(url)
        shot(page, "phone-" + url.rsplit("/", 1)[-1].split("?")[0])
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (url, width)


def test_the_pad_draws_with_a_finger_too(page: Any, served: Served, shot: Shots) -> None:
    """Touch arrives as pointer events of type "touch": the same handlers draw it."""
    log_in(page, served, shot)
    client_url = new_client(page, shot)
    page.goto(f"{client_url}/consents/new?scope=treatment")
    page.locator('canvas[data-signature-for="signature_png"]').evaluate(
        """canvas => {
            const box = canvas.getBoundingClientRect();
            const at = (x, type) => canvas.dispatchEvent(new PointerEvent(type, {
                pointerId: 7, pointerType: "touch", isPrimary: true, bubbles: true,
                clientX: box.left + x, clientY: box.top + box.height / 2}));
            at(20, "pointerdown"); at(80, "pointermove");
            at(160, "pointermove"); at(160, "pointerup");
        }"""
    )
    assert page.locator("#signature_png").input_value()
    page.get_by_role("button", name="Clear the signature").click()
    assert page.locator("#signature_png").input_value() == ""
