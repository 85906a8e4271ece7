"""The clinic's own details: the name, address and phone number that clients are given on
handouts and documents, so they know whom to call when something goes wrong."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from microneedling.records.audit import audit
from microneedling.records.models import Clinic
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import Phone
from microneedling.services.common import Input, Output, Records, parse


class ClinicOut(Output):
    id: int
    name: str
    address: str | None
    phone: str | None


class ClinicIn(Input):
    """What an owner may change; a field left out keeps its value, null clears it."""

    address: Annotated[str, Field(min_length=1, max_length=500)] | None = Field(
        default=None, description="Postal address, one or more lines"
    )
    phone: Phone | None = Field(default=None, examples=["+44 20 7946 0000"])


def clinic_details(records: Records, actor: Actor) -> ClinicOut:
    require(actor, Permission.READ)
    with records.transaction() as db:
        return ClinicOut.model_validate(db.get_one(Clinic, actor.clinic_id))


def update_clinic(records: Records, actor: Actor, data: object) -> ClinicOut:
    """Owners set the address and phone (null clears one)."""
    require(actor, Permission.MANAGE_CLINIC)
    changes = parse(ClinicIn, data).model_dump(exclude_unset=True)
    with records.transaction() as db:
        clinic = db.get_one(Clinic, actor.clinic_id)
        for field, value in changes.items():
            setattr(clinic, field, value)
        audit(
            db,
            clinic_id=clinic.id,
            actor_id=actor.user_id,
            action="clinic.update",
            entity="clinic",
            entity_id=clinic.id,
            fields=sorted(changes),
        )
        db.flush()
        return ClinicOut.model_validate(clinic)
