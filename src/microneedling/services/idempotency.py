"""Idempotent requests: a key its sender chose, claimed once per owner, and the response that
the first request with it got, so a repeat (a retry, a double click, Back then Save) answers
the same and saves nothing new.

A claim is a row without a status; `complete` stores a successful response, `release` forgets
a request that failed, so it can be sent again (with the same key) once corrected. Keys live a
day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from microneedling.errors import InputError
from microneedling.records.models import IdempotencyKey
from microneedling.services.common import Records
from microneedling.services.errors import Conflict

KEY_LIFETIME = dt.timedelta(days=1)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Answer:
    """The response a request with this key got the first time."""

    status_code: int
    content_type: str | None
    location: str | None
    body: bytes


class StillHandled(Conflict):
    """The first request with this key has not finished yet."""


def claim(
    records: Records, owner: str, key: str, fingerprint: str | None, header: str
) -> Answer | None:
    """None when this request is the first with the key (it is now claimed); the stored answer
    when an earlier one succeeded. A different request under the same key (`fingerprint` not
    None and not equal) is an input error named after `header`."""
    if not 0 < len(key) <= MAX_KEY_LENGTH:
        raise InputError.one(header, f"must be 1 to {MAX_KEY_LENGTH} characters")
    now = records.clock.now()
    try:
        with records.transaction() as db:
            db.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEY_LIFETIME))
            db.add(
                IdempotencyKey(owner=owner, key=key, fingerprint=fingerprint or "", created_at=now)
            )
        return None
    except IntegrityError:
        pass
    with records.transaction() as db:
        row = db.scalar(
            select(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
        )
        if row is None:  # released meanwhile: this request may go ahead
            return claim(records, owner, key, fingerprint, header)
        if fingerprint is not None and row.fingerprint != fingerprint:
            raise InputError.one(header, "was already used for a different request")
        if row.status_code is None:
            raise StillHandled("a request with this key is still being handled; try again")
        return Answer(row.status_code, row.content_type, row.location, row.body or b"")


def complete(records: Records, owner: str, key: str, answer: Answer) -> None:
    """Keep the answer of the request that claimed the key."""
    with records.transaction() as db:
        row = db.scalar(
            select(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
        )
        if row is not None:
            row.status_code = answer.status_code
            row.content_type = answer.content_type
            row.location = answer.location
            row.body = answer.body


def release(records: Records, owner: str, key: str) -> None:
    """Forget a claim whose request did not succeed."""
    with records.transaction() as db:
        db.execute(
            delete(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
        )
