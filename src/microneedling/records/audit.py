"""The append-only audit trail: ids, actions and field names, never personal values, so that
erasing a client never has to rewrite it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from microneedling.records.models import AuditEntry


def audit_bulk_read(
    db: Session, actor: Any, action: str, entity: str, entity_id: int | None, fields: list[str]
) -> None:
    """Reads that take much at once (exports, FHIR exports, photo files) are audited too."""
    audit(
        db,
        clinic_id=actor.clinic_id,
        actor_id=actor.user_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        fields=fields,
    )


def audit(
    db: Session,
    *,
    clinic_id: int | None,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    fields: Iterable[str] = (),
    operator: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Add one audit row to the current transaction: it commits or rolls back with the change.
    `at` is the services' clock (the column's default is the machine's)."""
    entry = AuditEntry(
        clinic_id=clinic_id,
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        fields=sorted(fields),
        operator=operator,
    )
    if at is not None:
        entry.at = at
    db.add(entry)
