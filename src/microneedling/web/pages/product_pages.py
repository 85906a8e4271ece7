"""Products and lots: the owner's catalogue (add a product), lots (receive a new lot, receive
more units into one, mark one recalled), and the recall page every role can read: which
sessions and clients used a lot, with contact details for the owner only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.errors import InputError
from microneedling.services import lot_use, products
from microneedling.services.access import Permission
from microneedling.services.errors import Conflict
from microneedling.web.pages.common import (
    FormDep,
    FormErrors,
    PageActorDep,
    RecordsDep,
    form_errors,
    redirect,
    render,
    text,
)

router = APIRouter()
KINDS = [(kind, kind.replace("_", " ").capitalize()) for kind in products.PRODUCT_KINDS]
PRODUCT_FIELDS = ("kind", "name", "manufacturer", "needle_count", "needle_mm")
LOT_FIELDS = ("product_id", "lot_number", "expires_on", "quantity_in_stock")


def _filled(form: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: value for name in names if (value := text(form, name)) is not None}


def _products_page(
    request: Request, records: RecordsDep, actor: PageActorDep, form: Any, errors: FormErrors | None
) -> Response:
    context = {
        "products": products.list_products(records, actor),
        "kinds": KINDS,
        "can_manage": actor.can(Permission.MANAGE_PRODUCTS),
        "form": form,
        "errors": errors,
    }
    return render(request, "products.html", context, status_code=422 if errors else 200)


@router.get("/products")
def products_page(request: Request, records: RecordsDep, actor: PageActorDep) -> Response:
    return _products_page(request, records, actor, {}, None)


@router.post("/products")
def add_product(
    request: Request, records: RecordsDep, actor: PageActorDep, form: FormDep
) -> Response:
    try:
        products.create_product(records, actor, _filled(form, PRODUCT_FIELDS))
    except InputError as error:
        return _products_page(
            request, records, actor, form, form_errors(error, known=PRODUCT_FIELDS)
        )
    return redirect(request, "/products")


def _lots_page(
    request: Request,
    records: RecordsDep,
    actor: PageActorDep,
    form: Any,
    errors: FormErrors | None,
    changing: int | None = None,
) -> Response:
    catalogue = products.list_products(records, actor)
    context = {
        "lots": products.list_lots(records, actor),
        "products": [(p.id, f"{p.name} ({p.manufacturer})") for p in catalogue],
        "can_manage": actor.can(Permission.MANAGE_PRODUCTS),
        "today": records.clock.today(),
        "form": form,
        "errors": errors,
        "changing": changing,
    }
    return render(request, "lots.html", context, status_code=422 if errors else 200)


@router.get("/lots")
def lots_page(request: Request, records: RecordsDep, actor: PageActorDep) -> Response:
    return _lots_page(request, records, actor, {}, None)


@router.post("/lots")
def add_lot(request: Request, records: RecordsDep, actor: PageActorDep, form: FormDep) -> Response:
    try:
        products.create_lot(records, actor, _filled(form, LOT_FIELDS))
    except InputError as error:
        return _lots_page(request, records, actor, form, form_errors(error, known=LOT_FIELDS))
    return redirect(request, "/lots")


@router.post("/lots/{lot_id}/stock")
def receive_stock(
    request: Request, records: RecordsDep, actor: PageActorDep, lot_id: int, form: FormDep
) -> Response:
    try:
        products.receive_stock(records, actor, lot_id, {"quantity": text(form, "quantity")})
    except InputError as error:
        errors = form_errors(error, known={"quantity"})
        return _lots_page(request, records, actor, {}, errors, changing=lot_id)
    return redirect(request, "/lots")


@router.post("/lots/{lot_id}/recall")
def mark_recalled(
    request: Request, records: RecordsDep, actor: PageActorDep, lot_id: int, form: FormDep
) -> Response:
    data = _filled(form, ("reason", "recalled_on"))
    try:
        products.recall_lot(records, actor, lot_id, data)
    except InputError as error:
        errors = form_errors(error, known={"reason", "recalled_on"})
        return _lots_page(request, records, actor, {}, errors, changing=lot_id)
    except Conflict as error:
        return _lots_page(
            request, records, actor, {}, FormErrors(general=[str(error)]), changing=lot_id
        )
    return redirect(request, f"/lots/{lot_id}/sessions")


def _recall_page(
    request: Request, number: str | None, recall: lot_use.Recall | None, errors: Any
) -> Response:
    context = {"number": number or "", "recall": recall, "errors": errors}
    return render(request, "recall.html", context, status_code=422 if errors else 200)


@router.get("/recall")
def recall_page(
    request: Request, records: RecordsDep, actor: PageActorDep, number: str | None = None
) -> Response:
    """The recall by lot number (the search box), or the empty search."""
    if number is None:
        return _recall_page(request, None, None, None)
    try:
        recall = lot_use.recall_by_number(records, actor, number)
    except InputError as error:
        return _recall_page(request, number, None, form_errors(error, {"number": "number"}))
    return _recall_page(request, number, recall, None)


@router.get("/lots/{lot_id}/sessions")
def lot_recall_page(
    request: Request, records: RecordsDep, actor: PageActorDep, lot_id: int
) -> Response:
    recall = lot_use.recall_by_lot(records, actor, lot_id)
    return _recall_page(request, recall.lot_number, recall, None)
