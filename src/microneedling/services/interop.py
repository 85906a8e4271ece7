"""FHIR R4 export of one client's record, and a new client imported from a FHIR bundle.

The services read and write the records; interop/ turns them into FHIR and back.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microneedling.errors import InputError
from microneedling.interop.client_record import ClientRecord, Installation
from microneedling.records.audit import audit_bulk_read
from microneedling.records.models import (
    Client,
    ClientIdentifier,
    Clinic,
    PlanRecord,
    TreatmentSession,
    User,
)
from microneedling.records.models import Installation as InstallationRow
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import (
    ClientIn,
    ClientOut,
    add_client,
    change_client,
    details_context,
    live_client,
    name_key,
)
from microneedling.services.clinical_records import current_rows
from microneedling.services.common import Records, parse
from microneedling.services.consents import photos_withheld
from microneedling.services.photo_measures import photo_measurement_rows
from microneedling.services.record_kinds import KINDS, AnyKind

MAX_NOTES = 4000


def current_json(db: Session, kind: AnyKind, client_id: int) -> list[dict[str, Any]]:
    """The client's rows of one kind that no amendment supersedes, oldest first, as JSON."""
    rows = current_rows(db, kind.model, client_id)
    return [kind.output(row).model_dump(mode="json") for row in rows]


def installation(records: Records) -> Installation:
    """This installation's identity, made at first start: a random UUID kept in the database,
    the identifier system configured (or a `urn:uuid:` of that id) and the public URL."""
    settings = records.settings
    installation_id = _installation_id(records)
    return Installation(
        id=installation_id,
        identifier_system=settings.fhir_identifier_system or f"urn:uuid:{installation_id}",
        public_url=settings.public_url.rstrip("/"),
    )


def _installation_id(records: Records) -> uuid.UUID:
    with records.transaction() as db:
        row = db.get(InstallationRow, 1)
        if row is not None:
            return uuid.UUID(row.uuid)
    try:
        with records.transaction() as db:
            db.add(InstallationRow(singleton=1, uuid=str(uuid.uuid4())))
    except IntegrityError:
        pass  # another process made it first: read theirs
    with records.transaction() as db:
        return uuid.UUID(db.get_one(InstallationRow, 1).uuid)


def versions(db: Session, model: Any, client_id: int) -> dict[int, tuple[int, int]]:
    """Every row id of the client's records of one table mapped to the id of its first version
    and its version number (1, then one more per amendment)."""
    rows = db.execute(
        select(model.id, model.supersedes_id).where(model.client_id == client_id).order_by(model.id)
    )
    found: dict[int, tuple[int, int]] = {}
    for row_id, older in rows.tuples():  # an amendment is always newer than what it corrects
        root, version = found[older] if older is not None else (row_id, 0)
        found[row_id] = (root, version + 1)
    return found


def _amendments(db: Session, kind: AnyKind, client_id: int) -> list[dict[str, Any]]:
    """Each amendment of the client's records of one kind: what it amended and why."""
    model: Any = kind.model
    lineage = versions(db, model, client_id)
    rows = db.scalars(
        select(model)
        .where(model.client_id == client_id, model.supersedes_id.is_not(None))
        .order_by(model.id)
    )
    return [
        {
            "kind": kind.entity,
            "id": row.id,
            "resource_id": lineage[row.id][0],
            "version": lineage[row.id][1],
            "reason": row.amendment_reason,
            "at": row.created_at.isoformat(),
            "by": row.created_by,
        }
        for row in rows
    ]


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
    """Everything the FHIR export needs about one client, current versions only (no photo
    while the client's photography consent stands withdrawn)."""
    require(actor, Permission.EXPORT)
    with records.transaction() as db:
        client = live_client(db, actor, client_id)
        clinic = db.get_one(Clinic, actor.clinic_id)
        rows = {kind.plural: current_json(db, kind, client_id) for kind in KINDS}
        if photos_withheld(db, [client_id]):
            rows["photos"] = []
        for kind in KINDS:
            lineage = versions(db, kind.model, client_id)
            for row in rows[kind.plural]:
                row["resource_id"], row["version"] = lineage[row["id"]]
        # References name the resource (the first version's id), which keeps its id.
        sessions = versions(db, TreatmentSession, client_id)
        for row in (*rows["scores"], *rows["photos"]):
            if row["session_id"] is not None:
                row["session_id"] = sessions[row["session_id"]][0]
        plans = versions(db, PlanRecord, client_id)
        for row in rows["sessions"]:
            if row["plan_id"] is not None:
                row["plan_id"] = plans[row["plan_id"]][0]
        amendments = [a for kind in KINDS for a in _amendments(db, kind, client_id)]
        practitioners = {
            user.id: user.full_name
            for user in db.scalars(select(User).where(User.clinic_id == actor.clinic_id))
        }
        measured = photo_measurement_rows(db, client_id, rows["photos"])
        content = (
            {photo["id"]: records.photos.read(photo["sha256"]) for photo in rows["photos"]}
            if inline_photos
            else {}
        )
        identifiers = db.execute(
            select(ClientIdentifier.system, ClientIdentifier.value)
            .where(ClientIdentifier.client_id == client_id)
            .order_by(ClientIdentifier.id)
        ).tuples()
        sent = ["record", *(["photos"] if inline_photos else [])]
        audit_bulk_read(db, actor, "client.export_fhir", "client", client_id, sent)
        return ClientRecord(
            clinic={"id": clinic.id, "name": clinic.name},
            identifiers=list(identifiers),
            client=ClientOut.model_validate(client).model_dump(mode="json"),
            practitioners=practitioners,
            photo_content=content,
            photo_measurements=measured,
            amendments=amendments,
            **rows,
        )


def export_fhir(
    records: Records, actor: Actor, client_id: int, *, inline_photos: bool = False
) -> dict[str, Any]:
    """The client's record as a FHIR R4 collection bundle (interop/fhir_export.py)."""
    from microneedling.interop.fhir_export import build_bundle

    record = read_client_record(records, actor, client_id, inline_photos=inline_photos)
    return build_bundle(record, installation=installation(records), timestamp=records.clock.now())


class ImportReport(BaseModel):
    """The client an import created or merged into, the conditions and identifiers it kept
    and what it left out."""

    client: ClientOut
    merged: bool
    conditions: list[str]
    identifiers: list[str]
    skipped: dict[str, int]


def import_fhir(
    records: Records,
    actor: Actor,
    bundle: object,
    *,
    skip_unmapped: bool = False,
    merge: bool = False,
) -> ImportReport:
    """Create a client from a bundle's Patient and Conditions, or refuse the whole bundle.

    A bundle about a client the clinic already has (the same identifier, or the same name and
    birth date) is refused unless `merge`, which adds its conditions and identifiers to that
    client and fills the fields it lacks. Conditions are kept as a list in the client's notes:
    an imported diagnosis informs the clinician but is no screening answer, so no intake is
    made up from it. The patient's identifiers are kept to recognise the next import.
    """
    from microneedling.interop.fhir_import import read_bundle

    require(actor, Permission.WRITE_CLIENTS)
    imported = read_bundle(bundle, skip_unmapped=skip_unmapped)
    lines = [condition.line() for condition in imported.conditions]
    client_in = parse(ClientIn, imported.client, "Patient", details_context(records))
    own_system = installation(records).identifier_system
    foreign = [(system, value) for system, value in imported.identifiers if system != own_system]
    with records.transaction() as db:
        matches = _existing(db, actor, client_in, imported.identifiers, own_system)
        if len(matches) > 1:
            found = ", ".join(f"client {c.id} ({how})" for c, how in matches.values())
            raise InputError.one("Patient", f"matches more than one client: {found}")
        if matches and not merge:
            ((client, how),) = matches.values()
            raise InputError.one(
                "Patient",
                f"already client {client.id} ({how}); pass --merge to add the bundle to it",
            )
        if matches:
            ((client, _),) = matches.values()
            known = set((client.notes or "").splitlines())
            lines = [line for line in lines if f"- {line}" not in known]
            filled = {
                name: value
                for name, value in client_in.model_dump(exclude_unset=True).items()
                if getattr(client, name) in (None, "")
            }
            notes = _condition_notes(client.notes, lines)
            if notes != client.notes:
                filled["notes"] = notes
            change_client(db, actor, client, filled)
        else:
            data = client_in.model_dump(exclude_unset=True)
            data["notes"] = _condition_notes(None, lines)
            client = add_client(db, actor, parse(ClientIn, data, "Patient"), records.clock.now())
        stored = set(
            db.execute(
                select(ClientIdentifier.system, ClientIdentifier.value).where(
                    ClientIdentifier.client_id == client.id
                )
            ).tuples()
        )
        for system, value in foreign:
            if (system, value) not in stored:
                db.add(
                    ClientIdentifier(
                        clinic_id=actor.clinic_id, client_id=client.id, system=system, value=value
                    )
                )
        db.flush()
        return ImportReport(
            client=ClientOut.model_validate(client),
            merged=bool(matches),
            conditions=lines,
            identifiers=[f"{system}|{value}" for system, value in foreign],
            skipped=imported.skipped,
        )


def _condition_notes(notes: str | None, lines: list[str]) -> str | None:
    """The client's notes with the imported conditions appended, within the notes' limit."""
    if not lines:
        return notes
    added = "Conditions from a FHIR import:\n" + "\n".join(f"- {line}" for line in lines)
    combined = f"{notes}\n\n{added}" if notes else added
    if len(combined) > MAX_NOTES:
        raise InputError.one(
            "entry", f"the conditions need {len(combined)} characters of notes; at most {MAX_NOTES}"
        )
    return combined


def _existing(
    db: Session,
    actor: Actor,
    client_in: ClientIn,
    identifiers: tuple[tuple[str, str], ...],
    own_system: str,
) -> dict[int, tuple[Client, str]]:
    """The clinic's live clients the patient already is, each with how it was recognised: an
    identifier kept from an earlier import, this installation's own client number, or the
    same name and birth date."""
    found: dict[int, tuple[Client, str]] = {}
    live = (Client.clinic_id == actor.clinic_id, Client.erased_at.is_(None))
    for system, value in identifiers:
        if system == own_system:
            if not (value.isdigit() and len(value) < 10):  # client numbers fit an INTEGER
                continue
            query = select(Client).where(Client.id == int(value))
        else:
            query = (
                select(Client)
                .join(ClientIdentifier, ClientIdentifier.client_id == Client.id)
                .where(ClientIdentifier.system == system, ClientIdentifier.value == value)
            )
        for client in db.scalars(query.where(*live)):
            found.setdefault(client.id, (client, f"identifier {system}|{value}"))
    if client_in.birth_date is not None:
        same_person = select(Client).where(
            *live,
            Client.given_key == name_key(client_in.given_name),
            Client.family_key == name_key(client_in.family_name),
            Client.birth_date == client_in.birth_date,
        )
        for client in db.scalars(same_person):
            found.setdefault(client.id, (client, "same name and birth date"))
    return found
