"""Exports of a clinic's records: one JSON document with every client and their clinical rows,
or CSV of the sessions (a row per zone treated) for spreadsheets and audits."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any, Literal

from sqlalchemy import select

from microneedling import __version__
from microneedling.records.audit import audit_bulk_read
from microneedling.records.models import Client, Clinic
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import ClientOut
from microneedling.services.common import Records
from microneedling.services.consents import photos_withheld
from microneedling.services.photos import PHOTO
from microneedling.services.record_kinds import KINDS
from microneedling.services.treatment_sessions import SESSION

ExportFormat = Literal["json", "csv"]
SESSION_COLUMNS = (
    "client_id",
    "session_id",
    "plan_id",
    "performed_on",
    "operator_id",
    "device",
    "device_model",
    "cartridge",
    "lot_number",
    "single_use",
    "zone",
    "needle_mm",
    "passes",
    "end_point",
    "topicals",
    "adverse_events",
    "warnings",
    "supersedes_id",
    "lots",  # last, so the columns before it keep their places for older readers
)


def export_json(records: Records, actor: Actor) -> dict[str, Any]:
    """Every live client of the clinic with all their clinical records (photos by reference,
    none of a client whose photography consent stands withdrawn)."""
    require(actor, Permission.EXPORT)
    with records.transaction() as db:
        clinic = db.get_one(Clinic, actor.clinic_id)
        clients = db.scalars(
            select(Client)
            .where(Client.clinic_id == actor.clinic_id, Client.erased_at.is_(None))
            .order_by(Client.id)
        )
        documents = {c.id: {**ClientOut.model_validate(c).model_dump(mode="json")} for c in clients}
        withheld = photos_withheld(db, list(documents))
        for kind in KINDS:
            grouped: dict[int, list[Any]] = defaultdict(list)
            model: Any = kind.model
            for row in db.scalars(
                select(model).where(model.clinic_id == actor.clinic_id).order_by(model.id)
            ):
                if kind is PHOTO and row.client_id in withheld:
                    continue
                grouped[row.client_id].append(kind.output(row).model_dump(mode="json"))
            for client_id, document in documents.items():
                document[kind.plural] = grouped.get(client_id, [])
        audit_bulk_read(db, actor, "export.json", "clinic", actor.clinic_id, ["clients"])
        return {
            "format": "microneedling-export",
            "version": __version__,
            "clinic": {"id": clinic.id, "name": clinic.name},
            "exported_at": records.clock.now().isoformat(),
            "clients": list(documents.values()),
        }


def formula_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is quoted (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_sessions_csv(records: Records, actor: Actor) -> str:
    """One row per zone treated per session, lists joined with `;`."""
    require(actor, Permission.EXPORT)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=SESSION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    model: Any = SESSION.model
    with records.transaction() as db:
        rows = db.scalars(
            select(model).where(model.clinic_id == actor.clinic_id).order_by(model.id)
        )
        for row in rows:
            shared = {
                "client_id": row.client_id,
                "session_id": row.id,
                **{name: getattr(row, name) for name in SESSION_COLUMNS[2:10]},
                "lots": ";".join(f"{use.lot.lot_number} x {use.quantity}" for use in row.lot_uses),
                "end_point": row.end_point,
                "topicals": ";".join(row.topicals),
                "adverse_events": ";".join(e["event"] for e in row.adverse_events),
                "warnings": ";".join(w["code"] for w in row.warnings),
                "supersedes_id": row.supersedes_id,
            }
            for zone in row.zones:
                cells = {
                    **shared,
                    "zone": zone["zone"],
                    "needle_mm": zone["needle_mm"],
                    "passes": zone.get("passes"),
                }
                writer.writerow({name: formula_safe(value) for name, value in cells.items()})
        audit_bulk_read(db, actor, "export.csv", "clinic", actor.clinic_id, ["sessions"])
    return out.getvalue()
