"""A practitioner's bookings as a calendar feed behind a secret URL.

The token is shown once, when it is made; only its SHA-256 is kept, so a copy of the database
does not open anyone's feed. The practitioner or the owner renews it (the old URL stops working)
or revokes it. Reading the feed needs no log-in: the token is the credential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from microneedling.records.audit import audit
from microneedling.records.models import CalendarFeed, Clinic, User
from microneedling.services.access import Actor, Permission, require
from microneedling.services.bookings import AppointmentOut, appointments_between, day_bounds
from microneedling.services.common import Output, Records, owned
from microneedling.services.errors import Forbidden, NotFound
from microneedling.services.rooms import practitioner_for

TOKEN_BYTES = 32
PAST_DAYS = 31  # the feed keeps the last month's bookings, for reference
AHEAD_DAYS = 366


class FeedToken(Output):
    """A new feed's token: shown this once, kept only as its digest."""

    user_id: int
    token: str


class Feed(Output):
    clinic: str
    place: str
    practitioner: str
    appointments: list[AppointmentOut]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _may_manage(actor: Actor, user_id: int) -> None:
    if actor.user_id != user_id and not actor.can(Permission.MANAGE_USERS):
        raise Forbidden("only the practitioner or the owner may manage this calendar feed")


def _practitioner(db: Session, actor: Actor, user_id: int) -> User:
    """The clinic's practitioner named in the path (another clinic's user is not found)."""
    owned(db, actor, User, user_id, "user")
    return practitioner_for(db, actor, user_id, "user_id")


def renew_feed(records: Records, actor: Actor, user_id: int) -> FeedToken:
    """Make a new secret URL for the practitioner's feed; any earlier one stops working."""
    require(actor, Permission.READ)
    _may_manage(actor, user_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with records.transaction() as db:
        _practitioner(db, actor, user_id)
        db.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user_id))
        db.add(CalendarFeed(user_id=user_id, token_sha256=_digest(token)))
        audit(
            db,
            clinic_id=actor.clinic_id,
            actor_id=actor.user_id,
            action="calendar_feed.renew",
            entity="user",
            entity_id=user_id,
        )
    return FeedToken(user_id=user_id, token=token)


def revoke_feed(records: Records, actor: Actor, user_id: int) -> None:
    require(actor, Permission.READ)
    _may_manage(actor, user_id)
    with records.transaction() as db:
        _practitioner(db, actor, user_id)
        db.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user_id))
        audit(
            db,
            clinic_id=actor.clinic_id,
            actor_id=actor.user_id,
            action="calendar_feed.revoke",
            entity="user",
            entity_id=user_id,
        )


def has_feed(records: Records, actor: Actor, user_id: int) -> bool:
    require(actor, Permission.READ)
    with records.transaction() as db:
        found = db.scalar(select(CalendarFeed.id).where(CalendarFeed.user_id == user_id))
        return found is not None


def read_feed(records: Records, token: str) -> Feed:
    """The practitioner's bookings from a month back to a year ahead, for this token."""
    with records.transaction() as db:
        row = db.execute(
            select(User, Clinic)
            .join(CalendarFeed, CalendarFeed.user_id == User.id)
            .join(Clinic, Clinic.id == User.clinic_id)
            .where(CalendarFeed.token_sha256 == _digest(token), User.active)
        ).first()
        if row is None:
            raise NotFound("calendar feed", 0)
        user, clinic = row
        actor = Actor(clinic_id=user.clinic_id, role=user.role, user_id=user.id)
        today = records.clock.today()
        start, _ = day_bounds(today - dt.timedelta(days=PAST_DAYS), 1, records.clock.time_zone)
        _, end = day_bounds(today, AHEAD_DAYS, records.clock.time_zone)
        return Feed(
            clinic=clinic.name,
            place=place_of(clinic),
            practitioner=user.full_name,
            appointments=appointments_between(db, actor, start, end, practitioner_id=user.id),
        )


def place_of(clinic: Clinic) -> str:
    """Where the clinic is, as a calendar's LOCATION: its name and address."""
    return ", ".join(filter(None, (clinic.name, clinic.address)))


def clinic_place(records: Records, actor: Actor) -> str:
    require(actor, Permission.READ)
    with records.transaction() as db:
        clinic = db.get(Clinic, actor.clinic_id)
        return place_of(clinic) if clinic is not None else ""
