"""The clinic's catalogue and its lots: needle cartridges, rollers and stamps by their needles,
serums, PRP kits and anaesthetic creams by their maker; each lot with its number, expiry, the
units in stock and whether it was recalled.

The owner keeps the catalogue (adds products and lots, receives stock, marks a lot recalled);
every role that reads records can read it. Stock changes are single conditional updates, so
two users receiving or using the same lot at once never lose a unit or go below zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Literal, get_args

from pydantic import Field
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microneedling.clinical.models import MAX_NEEDLE_MM, MIN_NEEDLE_MM
from microneedling.errors import FieldProblem, InputError
from microneedling.records.audit import audit
from microneedling.records.database import begin_write
from microneedling.records.models import Lot, Product
from microneedling.services.access import Actor, Permission, require
from microneedling.services.common import (
    DB_INT_MAX,
    Day,
    Input,
    Output,
    Records,
    RowId,
    owned,
    parse,
    violates_unique,
)
from microneedling.services.errors import Conflict

ProductKind = Literal[
    "needle_cartridge", "roller", "stamp", "serum", "prp_kit", "anaesthetic_cream"
]
PRODUCT_KINDS: tuple[str, ...] = get_args(ProductKind)
# Products whose needles reach the skin: their needle length bounds the depth a session records.
NEEDLE_KINDS = frozenset({"needle_cartridge", "roller", "stamp"})
# Which needle fields each kind must give; the kinds not listed take none.
NEEDLE_FIELDS_REQUIRED: dict[str, tuple[str, ...]] = {
    "needle_cartridge": ("needle_count", "needle_mm"),
    "roller": ("needle_mm",),
    "stamp": ("needle_mm",),
}
# A bound on the input, not a clinical rule: a roller's drum carries a few hundred needles.
MAX_NEEDLE_COUNT = 2000

ProductName = Annotated[str, Field(min_length=1, max_length=200)]
LotNumber = Annotated[str, Field(min_length=1, max_length=64)]
Quantity = Annotated[int, Field(ge=1, le=DB_INT_MAX)]


class ProductIn(Input):
    kind: ProductKind
    name: ProductName
    manufacturer: ProductName
    needle_count: Annotated[int, Field(ge=1, le=MAX_NEEDLE_COUNT)] | None = None
    needle_mm: Annotated[float, Field(ge=MIN_NEEDLE_MM, le=MAX_NEEDLE_MM)] | None = None


class ProductOut(Output):
    id: int
    kind: str
    name: str
    manufacturer: str
    needle_count: int | None
    needle_mm: float | None
    created_at: dt.datetime


class LotIn(Input):
    product_id: RowId
    lot_number: LotNumber
    expires_on: Day
    quantity_in_stock: Annotated[int, Field(ge=0, le=DB_INT_MAX)]


class LotOut(Output):
    id: int
    product_id: int
    product: ProductOut
    lot_number: str
    expires_on: dt.date
    quantity_in_stock: int
    recalled: bool
    recalled_on: dt.date | None
    recall_reason: str | None
    created_at: dt.datetime


class StockIn(Input):
    """Units received into a lot already in the catalogue."""

    quantity: Quantity


class RecallIn(Input):
    reason: Annotated[str, Field(min_length=3, max_length=2000)]
    recalled_on: Day | None = None


class LotQuery(Input):
    number: LotNumber | None = None
    product_id: RowId | None = None
    usable_on: Day | None = None


def needles_fit_the_kind(product: ProductIn) -> None:
    """Cartridges say their needle count and length, rollers and stamps their length;
    serums, kits and creams have no needles."""
    kind = product.kind.replace("_", " ")
    problems = [
        FieldProblem(name, f"is required for a {kind}")
        for name in NEEDLE_FIELDS_REQUIRED.get(product.kind, ())
        if getattr(product, name) is None
    ]
    problems += [
        FieldProblem(name, f"must be empty: a {kind} has no needles")
        for name in ("needle_count", "needle_mm")
        if product.kind not in NEEDLE_KINDS and getattr(product, name) is not None
    ]
    if problems:
        raise InputError(problems)


def create_product(records: Records, actor: Actor, data: object) -> ProductOut:
    require(actor, Permission.MANAGE_PRODUCTS)
    product = parse(ProductIn, data)
    needles_fit_the_kind(product)
    with records.transaction() as db:
        row = Product(clinic_id=actor.clinic_id, created_by=actor.user_id, **product.model_dump())
        db.add(row)
        db.flush()
        _audit(db, actor, "product.create", "product", row.id, product.model_fields_set)
        return ProductOut.model_validate(row)


def list_products(records: Records, actor: Actor) -> list[ProductOut]:
    require(actor, Permission.READ)
    with records.transaction() as db:
        rows = db.scalars(
            select(Product)
            .where(Product.clinic_id == actor.clinic_id)
            .order_by(Product.kind, Product.name, Product.manufacturer, Product.id)
        )
        return [ProductOut.model_validate(row) for row in rows]


def get_product(records: Records, actor: Actor, product_id: int) -> ProductOut:
    require(actor, Permission.READ)
    with records.transaction() as db:
        return ProductOut.model_validate(owned(db, actor, Product, product_id, "product"))


def create_lot(records: Records, actor: Actor, data: object) -> LotOut:
    require(actor, Permission.MANAGE_PRODUCTS)
    lot = parse(LotIn, data)
    with records.transaction() as db:
        owned(db, actor, Product, lot.product_id, "product")
        row = Lot(clinic_id=actor.clinic_id, created_by=actor.user_id, **lot.model_dump())
        db.add(row)
        try:
            db.flush()
        except IntegrityError as error:
            if not violates_unique(error, "lot_number"):
                raise
            raise InputError.one(
                "lot_number", f"lot {lot.lot_number} of this product is already in the catalogue"
            ) from None
        _audit(db, actor, "lot.create", "lot", row.id, lot.model_fields_set)
        return LotOut.model_validate(row)


def list_lots(records: Records, actor: Actor, query: object = None) -> list[LotOut]:
    """The clinic's lots, newest expiry last; by number or product, or only those a session
    on `usable_on` could use (in stock, not recalled, not expired by then)."""
    require(actor, Permission.READ)
    wanted = parse(LotQuery, query or {})
    statement = select(Lot).where(Lot.clinic_id == actor.clinic_id)
    if wanted.number is not None:
        statement = statement.where(Lot.lot_number == wanted.number)
    if wanted.product_id is not None:
        statement = statement.where(Lot.product_id == wanted.product_id)
    if wanted.usable_on is not None:
        statement = statement.where(
            Lot.quantity_in_stock > 0, ~Lot.recalled, Lot.expires_on >= wanted.usable_on
        )
    with records.transaction() as db:
        rows = db.scalars(statement.order_by(Lot.expires_on, Lot.lot_number, Lot.id))
        return [LotOut.model_validate(row) for row in rows]


def get_lot(records: Records, actor: Actor, lot_id: int) -> LotOut:
    require(actor, Permission.READ)
    with records.transaction() as db:
        return LotOut.model_validate(owned(db, actor, Lot, lot_id, "lot"))


def receive_stock(records: Records, actor: Actor, lot_id: int, data: object) -> LotOut:
    """Add received units to a lot, in one update so a session using the lot meanwhile
    keeps its unit."""
    require(actor, Permission.MANAGE_PRODUCTS)
    stock = parse(StockIn, data)
    with records.transaction() as db:
        begin_write(db)  # SQLite: the write lock before the read, as every writer here takes it
        row = owned(db, actor, Lot, lot_id, "lot")
        if row.quantity_in_stock > DB_INT_MAX - stock.quantity:
            raise InputError.one("quantity", f"would put more than {DB_INT_MAX} units in stock")
        db.execute(
            update(Lot)
            .where(Lot.id == lot_id)
            .values(quantity_in_stock=Lot.quantity_in_stock + stock.quantity)
            .execution_options(synchronize_session=False)
        )
        _audit(db, actor, "lot.receive", "lot", lot_id, ["quantity_in_stock"])
        db.refresh(row)
        return LotOut.model_validate(row)


def recall_lot(records: Records, actor: Actor, lot_id: int, data: object) -> LotOut:
    """Mark a lot recalled, with why and since when: no session can use it from then on. One
    conditional update, so of two recalls at once the second is told the first came first."""
    require(actor, Permission.MANAGE_PRODUCTS)
    recall = parse(RecallIn, data)
    with records.transaction() as db:
        begin_write(db)
        row = owned(db, actor, Lot, lot_id, "lot")
        marked = db.execute(
            update(Lot)
            .where(Lot.id == lot_id, ~Lot.recalled)
            .values(
                recalled=True,
                recalled_on=recall.recalled_on or records.clock.today(),
                recall_reason=recall.reason,
            )
            .execution_options(synchronize_session=False)
        )
        db.refresh(row)
        if marked.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"lot {row.lot_number} was already recalled on {row.recalled_on}")
        _audit(db, actor, "lot.recall", "lot", lot_id, ["recalled", "recalled_on", "reason"])
        return LotOut.model_validate(row)


def _audit(
    db: Session, actor: Actor, action: str, entity: str, entity_id: int, fields: Iterable[str]
) -> None:
    audit(
        db,
        clinic_id=actor.clinic_id,
        actor_id=actor.user_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        fields=sorted(fields),
    )
