"""FHIR R4 export of one client's record, and a new client imported from a FHIR bundle.

The services read and write the records; interop/ turns them into FHIR and back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from microneedling.errors import InputError
from microneedling.interop.client_record import ClientRecord
from microneedling.records.audit import audit_bulk_read
from microneedling.records.models import Clinic, TreatmentSession, User
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import ClientOut, live_client, register_client
from microneedling.services.clinical_records import RecordKind
from microneedling.services.common import Records
from microneedling.services.consents import CONSENT
from microneedling.services.intakes import INTAKE
from microneedling.services.photos import PHOTO
from microneedling.services.plans import PLAN
from microneedling.services.scores import SCORE
from microneedling.services.treatment_sessions import SESSION

MAX_NOTES = 4000


def current_rows(db: Session, kind: RecordKind[Any], client_id: int) -> list[dict[str, Any]]:
    """The client's rows of one kind that no amendment supersedes, oldest first, as JSON."""
    model: Any = kind.model
    newer = aliased(model)
    rows = db.scalars(
        select(model)
        .where(model.client_id == client_id, ~exists().where(newer.supersedes_id == model.id))
        .order_by(model.id)
    )
    return [kind.output(row).model_dump(mode="json") for row in rows]


def latest_ids(db: Session, model: Any, client_id: int) -> dict[int, int]:
    """Every row id of the client's records of one table mapped to its latest version's id, so a
    score or photo of an amended session points at the session as it now stands."""
    rows = db.execute(
        select(model.supersedes_id, model.id).where(
            model.client_id == client_id, model.supersedes_id.is_not(None)
        )
    )
    successor = {older: newer for older, newer in rows.tuples()}  # noqa: C416 - Result has keys()
    latest = {}
    for row_id in db.scalars(select(model.id).where(model.client_id == client_id)):
        current = row_id
        while current in successor:
            current = successor[current]
        latest[row_id] = current
    return latest


def read_client_record(
    records: Records, actor: Actor, client_id: int, *, inline_photos: bool = False
) -> ClientRecord:
    """Everything the FHIR export needs about one client, current versions only."""
    require(actor, Permission.EXPORT)
    with records.transaction() as db:
        client = live_client(db, actor, client_id)
        clinic = db.get_one(Clinic, actor.clinic_id)
        rows = {
            name: current_rows(db, kind, client_id)
            for name, kind in (
                ("intakes", INTAKE),
                ("plans", PLAN),
                ("consents", CONSENT),
                ("sessions", SESSION),
                ("scores", SCORE),
                ("photos", PHOTO),
            )
        }
        session_ids = latest_ids(db, TreatmentSession, client_id)
        for row in (*rows["scores"], *rows["photos"]):
            if row["session_id"] is not None:
                row["session_id"] = session_ids[row["session_id"]]
        practitioners = {
            user.id: user.full_name
            for user in db.scalars(select(User).where(User.clinic_id == actor.clinic_id))
        }
        content = (
            {photo["id"]: records.photos.read(photo["sha256"]) for photo in rows["photos"]}
            if inline_photos
            else {}
        )
        sent = ["record", *(["photos"] if inline_photos else [])]
        audit_bulk_read(db, actor, "client.export_fhir", "client", client_id, sent)
        return ClientRecord(
            clinic={"id": clinic.id, "name": clinic.name},
            client=ClientOut.model_validate(client).model_dump(mode="json"),
            practitioners=practitioners,
            photo_content=content,
            **rows,
        )


def export_fhir(
    records: Records,
    actor: Actor,
    client_id: int,
    *,
    inline_photos: bool = False,
    photo_url: Callable[[int], str] | None = None,
) -> dict[str, Any]:
    """The client's record as a FHIR R4 collection bundle (interop/fhir_export.py)."""
    from microneedling.interop.fhir_export import build_bundle, default_photo_url

    record = read_client_record(records, actor, client_id, inline_photos=inline_photos)
    return build_bundle(
        record, timestamp=dt.datetime.now(dt.UTC), photo_url=photo_url or default_photo_url
    )


class ImportReport(BaseModel):
    """The client an import created, the conditions it kept and what it left out."""

    client: ClientOut
    conditions: list[str]
    skipped: dict[str, int]


def import_fhir(
    records: Records, actor: Actor, bundle: object, *, skip_unmapped: bool = False
) -> ImportReport:
    """Create a client from a bundle's Patient and Conditions, or refuse the whole bundle.

    Conditions are kept as a list in the client's notes: an imported diagnosis informs the
    clinician but is no screening answer, so no intake is made up from it.
    """
    from microneedling.interop.fhir_import import read_bundle

    require(actor, Permission.WRITE_CLIENTS)
    imported = read_bundle(bundle, skip_unmapped=skip_unmapped)
    lines = [condition.line() for condition in imported.conditions]
    data = dict(imported.client)
    if lines:
        notes = "Conditions from a FHIR import:\n" + "\n".join(f"- {line}" for line in lines)
        if len(notes) > MAX_NOTES:
            raise InputError.one(
                "entry",
                f"the conditions need {len(notes)} characters of notes; at most {MAX_NOTES}",
            )
        data["notes"] = notes
    try:
        client = register_client(records, actor, data)
    except InputError as error:
        raise error.within("Patient") from None
    return ImportReport(client=client, conditions=lines, skipped=imported.skipped)
