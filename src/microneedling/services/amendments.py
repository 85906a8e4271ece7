"""Amend a clinical record: the corrected version is a new row that keeps the original, names
the changed fields in the audit log and says why. Plans are not amended: plan again. Consents
are not amended either: what was signed stays as signed; record a new consent or withdraw."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from microneedling.errors import FieldProblem, InputError
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import live_client
from microneedling.services.clinical_records import ClinicalOut, amend
from microneedling.services.common import Input, Records, owned, parse
from microneedling.services.errors import NotFound
from microneedling.services.record_kinds import amendable_kind


class AmendmentIn(Input):
    changes: Annotated[dict[str, Any], Field(min_length=1)]
    reason: Annotated[str, Field(min_length=3, max_length=500)]


def amend_record(
    records: Records, actor: Actor, entity: str, record_id: int, data: object
) -> ClinicalOut:
    kind = amendable_kind(entity)
    require(actor, Permission.AMEND)
    amendment = parse(AmendmentIn, data)
    fixed = sorted(set(amendment.changes) & kind.fixed)
    if fixed:
        raise InputError([FieldProblem(f"changes.{name}", "cannot be amended") for name in fixed])
    with records.transaction() as db:
        original = owned(db, actor, kind.model, record_id, kind.entity)
        live_client(db, actor, original.client_id, lock="shared")
        if kind.withheld is not None and kind.withheld(db, original):
            raise NotFound(kind.entity, record_id)
        merged = {**kind.input_of(original), **amendment.changes}
        corrected = parse(kind.input_model, merged, "changes")
        try:
            kind.check_dates(corrected, records.clock)
        except InputError as error:
            raise error.within("changes") from None
        row = amend(db, actor, kind, record_id, corrected, amendment.reason, records.clock)
        if kind.after_amend is not None:
            kind.after_amend(db, records, original, row)
        return kind.output(row)
