"""The catalogue, lots and recall pages, and the session form's lots: the owner keeps the
catalogue, a session records a lot typed or scanned by number (an expired or unknown one is
shown beside the field, nothing saved), and the recall page lists the sessions with contact
details for the owner only."""

from __future__ import annotations

import datetime as dt

from tests.web.page_world import Browser, PageWorld
from tests.web.pages.test_pages import count, error_beside, with_plan
from tests.world import TODAY

from microneedling.records.models import Lot, Product, TreatmentSession
from microneedling.services import clients as clients_service
from microneedling.services import products


def stocked(clinic: PageWorld, number: str, expires_on: dt.date, stock: int = 4) -> int:
    owner = clinic.actors["owner"]
    product = products.create_product(
        clinic.records,
        owner,
        {
            "kind": "needle_cartridge",
            "name": f"Cartridge for {number}",
            "manufacturer": "Acme Needles",
            "needle_count": 12,
            "needle_mm": 1.5,
        },
    )
    lot = products.create_lot(
        clinic.records,
        owner,
        {
            "product_id": product.id,
            "lot_number": number,
            "expires_on": expires_on.isoformat(),
            "quantity_in_stock": stock,
        },
    )
    return lot.id


def session_form(number: str) -> dict[str, str]:
    return {
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": "true",
        "lot_numbers": number,
        "z0.zone": "forehead",
        "z0.needle_mm": "1",
        "z0.passes": "3",
    }


def test_the_owner_adds_a_product_and_receives_a_lot(browser: Browser, clinic: PageWorld) -> None:
    browser.log_in("owner")
    browser.get("/products")
    missing = browser.post(
        "/products", {"kind": "needle_cartridge", "name": "12-pin", "manufacturer": "Acme"}
    )
    assert missing.status_code == 422 and count(clinic, Product) == 0
    assert "required for a needle cartridge" in error_beside(missing.text, "needle_count")
    added = browser.post(
        "/products",
        {
            "kind": "needle_cartridge",
            "name": "12-pin",
            "manufacturer": "Acme",
            "needle_count": "12",
            "needle_mm": "1.5",
        },
    )
    assert added.url.path == "/products" and "12 × 1.5 mm" in added.text
    page = browser.get("/lots")
    product_id = products.list_products(clinic.records, clinic.actors["owner"])[0].id
    received = browser.post(
        "/lots",
        {
            "product_id": str(product_id),
            "lot_number": "PG-1",
            "expires_on": (TODAY + dt.timedelta(days=60)).isoformat(),
            "quantity_in_stock": "10",
        },
    )
    assert received.url.path == "/lots" and "PG-1" in received.text and page.status_code == 200
    lot_id = products.list_lots(clinic.records, clinic.actors["owner"])[0].id
    more = browser.post(f"/lots/{lot_id}/stock", {"quantity": "5"})
    assert "15 in stock" in more.text
    bad = browser.post(f"/lots/{lot_id}/stock", {"quantity": "0"})
    assert bad.status_code == 422 and error_beside(bad.text, f"quantity-{lot_id}")
    recalled = browser.post(f"/lots/{lot_id}/recall", {"reason": "maker's notice 7"})
    assert recalled.url.path == f"/lots/{lot_id}/sessions"
    assert "recalled" in recalled.text and "maker&#39;s notice 7" in recalled.text


def test_only_the_owner_sees_and_uses_the_catalogue_forms(
    clinician: Browser, clinic: PageWorld
) -> None:
    page = clinician.get("/products")
    assert page.status_code == 200 and "Add a product" not in page.text
    assert 'href="/products"' not in page.text.split("</nav>")[0]
    refused = clinician.post(
        "/products", {"kind": "serum", "name": "HA", "manufacturer": "Skin Co"}
    )
    assert refused.status_code == 403 and count(clinic, Product) == 0


def test_a_session_records_a_typed_lot_and_its_stock_goes_down(
    clinician: Browser, clinic: PageWorld
) -> None:
    with_plan(clinic)
    lot_id = stocked(clinic, "SCAN-1", TODAY + dt.timedelta(days=30))
    form = clinician.get(f"/clients/{clinic.client_id}/session")
    assert '<option value="SCAN-1">' in form.text
    saved = clinician.post(f"/clients/{clinic.client_id}/sessions", session_form("SCAN-1"))
    assert saved.url.path.startswith("/records/session/"), saved.text
    assert f'href="/lots/{lot_id}/sessions">Lot SCAN-1</a>' in saved.text
    assert products.get_lot(clinic.records, clinic.actors["owner"], lot_id).quantity_in_stock == 3


def test_an_expired_or_unknown_lot_is_shown_beside_the_field_and_nothing_is_saved(
    clinician: Browser, clinic: PageWorld
) -> None:
    with_plan(clinic)
    stocked(clinic, "OLD-5", TODAY - dt.timedelta(days=2))
    clinician.get(f"/clients/{clinic.client_id}/session")
    expired = clinician.post(f"/clients/{clinic.client_id}/sessions", session_form("OLD-5"))
    assert expired.status_code == 422 and count(clinic, TreatmentSession) == 0
    assert "lot OLD-5" in error_beside(expired.text, "lot_numbers")
    assert "expired" in error_beside(expired.text, "lot_numbers")
    live = clinician.post(
        f"/clients/{clinic.client_id}/session/check",
        session_form("NOPE"),
        headers={"HX-Request": "true"},
    )
    assert "lot NOPE is not in the catalogue" in live.text
    assert count(clinic, TreatmentSession) == 0


def test_the_recall_page_lists_sessions_with_contacts_for_the_owner_only(
    browser: Browser, clinic: PageWorld
) -> None:
    with_plan(clinic)
    clients_service.update_client(
        clinic.records, clinic.actors["owner"], clinic.client_id, {"version": 1, "phone": "+44 1"}
    )
    stocked(clinic, "R-1", TODAY + dt.timedelta(days=30))
    browser.log_in("clinician")
    browser.get(f"/clients/{clinic.client_id}/session")
    browser.post(f"/clients/{clinic.client_id}/sessions", session_form("R-1"))
    listed = browser.get("/recall", params={"number": "R-1"})
    assert "1 session used this lot." in listed.text and "Ada Moreau" in listed.text
    assert "+44 1" not in listed.text
    browser.log_in("owner")
    owner_view = browser.get("/recall", params={"number": "R-1"})
    assert "Ada Moreau" in owner_view.text and "+44 1" in owner_view.text
    none = browser.get("/recall", params={"number": "NONE-9"})
    assert none.status_code == 200 and "0 sessions used this lot." in none.text
    assert count(clinic, Lot) == 1
