"""The lots a session uses, and the recall: which sessions and clients a lot reached.

A session names its lots by id, an id repeated for each further unit. Before it is saved each
lot is checked: the clinic's own, not expired on the session's date, not recalled, enough in
stock, and needles at least as long as the deepest zone recorded (a pen's depth is set on the
device up to its cartridge's needle length; a roller's or stamp's needles are the depth), so
the record cannot contradict itself. These are input errors, not departures: no reason makes
an expired lot usable. Stock goes down in the session's transaction by conditional updates
that never take it below zero, whoever else is using the lot at the same moment.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from microneedling.errors import FieldProblem, InputError
from microneedling.records.audit import audit_bulk_read
from microneedling.records.models import Client, Lot, SessionLot, TreatmentSession
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clinical_records import is_current
from microneedling.services.common import Input, Output, Records, owned, parse
from microneedling.services.products import NEEDLE_KINDS, LotNumber, LotOut


@dataclass(frozen=True)
class LotUse:
    """A lot a session will use, and how many of its units."""

    lot: Lot
    quantity: int
    index: int  # where the lot first appears in `lot_ids`, to name the field


def checked_lots(
    db: Session,
    actor: Actor,
    lot_ids: Sequence[int],
    performed_on: dt.date,
    depths_mm: Sequence[float],
) -> list[LotUse]:
    """The session's lots, each checked; an `InputError` naming every lot that cannot be used
    and why. Another clinic's lot is not found, as any other clinic's record is."""
    first = {lot_id: lot_ids.index(lot_id) for lot_id in lot_ids}
    uses = [
        LotUse(owned(db, actor, Lot, lot_id, "lot"), quantity, first[lot_id])
        for lot_id, quantity in Counter(lot_ids).items()
    ]
    problems = [
        FieldProblem(f"lot_ids[{use.index}]", message)
        for use in uses
        for message in _lot_problems(use, performed_on)
    ]
    problems += _depth_problems(uses, depths_mm)
    if problems:
        raise InputError(problems)
    return uses


def _lot_problems(use: LotUse, performed_on: dt.date) -> list[str]:
    lot = use.lot
    name = f"lot {lot.lot_number} ({lot.product.name})"
    problems = []
    if lot.expires_on < performed_on:
        problems.append(f"{name} expired on {lot.expires_on}, before the session date")
    if lot.recalled:
        problems.append(f"{name} was recalled on {lot.recalled_on}: {lot.recall_reason}")
    if lot.quantity_in_stock < use.quantity:
        problems.append(_short_of_stock(lot, use.quantity))
    return problems


def _short_of_stock(lot: Lot, wanted: int) -> str:
    return (
        f"lot {lot.lot_number} ({lot.product.name}) has {lot.quantity_in_stock} in stock, "
        f"the session uses {wanted}"
    )


def _depth_problems(uses: list[LotUse], depths_mm: Sequence[float]) -> list[FieldProblem]:
    """Zones recorded deeper than the longest needle the session used."""
    needles = [
        use.lot
        for use in uses
        if use.lot.product.kind in NEEDLE_KINDS and use.lot.product.needle_mm is not None
    ]
    if not needles:
        return []
    longest = max(needles, key=lambda lot: lot.product.needle_mm or 0.0)
    reach = longest.product.needle_mm or 0.0
    return [
        FieldProblem(
            f"zones[{row}].needle_mm",
            f"{depth:g} mm is deeper than the {reach:g} mm needles of lot {longest.lot_number} "
            f"({longest.product.name}); a needle reaches no deeper than its length",
        )
        for row, depth in enumerate(depths_mm)
        if depth > reach
    ]


def use_lots(db: Session, session: TreatmentSession, uses: list[LotUse]) -> None:
    """Take each lot's units out of stock and link them to the session. The update holds only
    while enough is left and the lot is not recalled, so of two sessions racing for the last
    unit one gets it and the other is refused, and a recall that lands first is obeyed."""
    for use in uses:
        taken = db.execute(
            update(Lot)
            .where(Lot.id == use.lot.id, Lot.quantity_in_stock >= use.quantity, ~Lot.recalled)
            .values(quantity_in_stock=Lot.quantity_in_stock - use.quantity)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            db.refresh(use.lot)
            problems = _lot_problems(use, session.performed_on)
            raise InputError([FieldProblem(f"lot_ids[{use.index}]", p) for p in problems])
        db.expire(use.lot, ["quantity_in_stock"])
        session.lot_uses.append(SessionLot(lot_id=use.lot.id, quantity=use.quantity))


def lot_ids_for_numbers(
    records: Records, actor: Actor, numbers: Sequence[str], usable_on: dt.date | None
) -> list[int]:
    """The lots typed or scanned by number, for the session page: a number repeated is a
    further unit. Where two products share a number, the one a session on `usable_on` can use
    is meant; a number that is nowhere in the catalogue, or usable in two products, is an
    input error naming it."""
    require(actor, Permission.READ)
    ids: list[int] = []
    problems: list[FieldProblem] = []
    with records.transaction() as db:
        for number in numbers:
            lots = db.scalars(
                select(Lot)
                .where(Lot.clinic_id == actor.clinic_id, Lot.lot_number == number)
                .order_by(Lot.id)
            ).all()
            usable = [lot for lot in lots if usable_on is None or _usable(lot, usable_on)]
            if not lots:
                problems.append(
                    FieldProblem("lot_numbers", f"lot {number} is not in the catalogue")
                )
            elif len(usable) > 1:
                names = ", ".join(lot.product.name for lot in usable)
                message = f"lot {number} is in stock for several products ({names})"
                problems.append(FieldProblem("lot_numbers", message))
            else:
                ids.append((usable or lots)[0].id)
    if problems:
        raise InputError(problems)
    return ids


def _usable(lot: Lot, day: dt.date) -> bool:
    return lot.quantity_in_stock > 0 and not lot.recalled and lot.expires_on >= day


class RecalledSession(Output):
    """A session that used the lot, its client, and (for the owner) how to reach them."""

    session_id: int
    performed_on: dt.date
    lot_id: int
    lot_number: str
    quantity: int
    client_id: int
    client_name: str
    email: str | None = None
    phone: str | None = None


class Recall(Output):
    """Every lot with the number and every current session that used one of them."""

    lot_number: str
    lots: list[LotOut]
    sessions: list[RecalledSession]
    contacts_shown: bool


class RecallQuery(Input):
    number: LotNumber


def recall_by_number(records: Records, actor: Actor, lot_number: object) -> Recall:
    """The recall by lot number, as a manufacturer's notice gives it: every product's lot
    with that number in the clinic (none is an empty answer, not an error)."""
    require(actor, Permission.READ)
    number = parse(RecallQuery, {"number": lot_number}).number
    with records.transaction() as db:
        lots = db.scalars(
            select(Lot).where(Lot.clinic_id == actor.clinic_id, Lot.lot_number == number)
        ).all()
        return _recall(db, actor, number, list(lots))


def recall_by_lot(records: Records, actor: Actor, lot_id: int) -> Recall:
    """The recall of one lot of the catalogue."""
    require(actor, Permission.READ)
    with records.transaction() as db:
        lot = owned(db, actor, Lot, lot_id, "lot")
        return _recall(db, actor, lot.lot_number, [lot])


def _recall(db: Session, actor: Actor, number: str, lots: list[Lot]) -> Recall:
    contacts = actor.can(Permission.SEE_RECALL_CONTACTS)
    by_id = {lot.id: lot for lot in lots}
    rows = db.execute(
        select(TreatmentSession, SessionLot, Client)
        .join(SessionLot, SessionLot.session_id == TreatmentSession.id)
        .join(Client, Client.id == TreatmentSession.client_id)
        .where(
            SessionLot.lot_id.in_(list(by_id)),
            TreatmentSession.clinic_id == actor.clinic_id,
            is_current(TreatmentSession),
            Client.erased_at.is_(None),
        )
        .order_by(TreatmentSession.performed_on, TreatmentSession.id, SessionLot.id)
    ).all()
    sessions = [
        RecalledSession(
            session_id=session.id,
            performed_on=session.performed_on,
            lot_id=use.lot_id,
            lot_number=by_id[use.lot_id].lot_number,
            quantity=use.quantity,
            client_id=client.id,
            client_name=f"{client.given_name} {client.family_name}",
            email=client.email if contacts else None,
            phone=client.phone if contacts else None,
        )
        for session, use, client in rows
    ]
    fields = ["lot_number", "sessions", *(("email", "phone") if contacts else ())]
    audit_bulk_read(db, actor, "lot.recall_query", "lot", lots[0].id if lots else None, fields)
    return Recall(
        lot_number=number,
        lots=[LotOut.model_validate(lot) for lot in lots],
        sessions=sessions,
        contacts_shown=contacts,
    )
