"""Products and lots: the catalogue (the owner adds products and lots, receives stock and
marks a lot recalled; everyone reads it) and the recall, by lot or by lot number."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, Query

from microneedling.services import lot_use, products
from microneedling.services.lot_use import Recall
from microneedling.services.products import LotOut, ProductOut
from microneedling.web.deps import ActorDep, RecordsDep

router = APIRouter(tags=["products and lots"])


@router.post("/products", status_code=201)
def create_product(
    records: RecordsDep, actor: ActorDep, body: Annotated[products.ProductIn, Body()]
) -> ProductOut:
    """Add a product to the catalogue (owner): cartridges give their needle count and length,
    rollers and stamps their length."""
    return products.create_product(records, actor, body)


@router.get("/products")
def list_products(records: RecordsDep, actor: ActorDep) -> list[ProductOut]:
    return products.list_products(records, actor)


@router.get("/products/{product_id}")
def read_product(records: RecordsDep, actor: ActorDep, product_id: int) -> ProductOut:
    return products.get_product(records, actor, product_id)


@router.post("/lots", status_code=201)
def create_lot(
    records: RecordsDep, actor: ActorDep, body: Annotated[products.LotIn, Body()]
) -> LotOut:
    """Receive a new lot of a product (owner), with its number, expiry and units in stock."""
    return products.create_lot(records, actor, body)


@router.get("/lots")
def list_lots(
    records: RecordsDep,
    actor: ActorDep,
    number: Annotated[str | None, Query(description="A lot number")] = None,
    product_id: int | None = None,
    usable_on: Annotated[
        dt.date | None, Query(description="Only lots a session on this day could use")
    ] = None,
) -> list[LotOut]:
    query = {"number": number, "product_id": product_id, "usable_on": usable_on}
    return products.list_lots(records, actor, {k: v for k, v in query.items() if v is not None})


@router.get("/lots/recall")
def recall_by_number(
    records: RecordsDep,
    actor: ActorDep,
    number: Annotated[str, Query(description="The lot number a recall notice gives")],
) -> Recall:
    """Every session and client that used a lot with this number (an empty list when none);
    contact details for the owner only."""
    return lot_use.recall_by_number(records, actor, number)


@router.get("/lots/{lot_id}")
def read_lot(records: RecordsDep, actor: ActorDep, lot_id: int) -> LotOut:
    return products.get_lot(records, actor, lot_id)


@router.post("/lots/{lot_id}/stock")
def receive_stock(
    records: RecordsDep, actor: ActorDep, lot_id: int, body: Annotated[products.StockIn, Body()]
) -> LotOut:
    """Add received units to a lot (owner)."""
    return products.receive_stock(records, actor, lot_id, body)


@router.post("/lots/{lot_id}/recall")
def recall_lot(
    records: RecordsDep, actor: ActorDep, lot_id: int, body: Annotated[products.RecallIn, Body()]
) -> LotOut:
    """Mark a lot recalled (owner), with the reason and the day (default: today); sessions
    can no longer use it."""
    return products.recall_lot(records, actor, lot_id, body)


@router.get("/lots/{lot_id}/sessions")
def recall_by_lot(records: RecordsDep, actor: ActorDep, lot_id: int) -> Recall:
    """Every session and client that used this lot; contact details for the owner only."""
    return lot_use.recall_by_lot(records, actor, lot_id)
