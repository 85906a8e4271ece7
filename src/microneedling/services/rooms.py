"""The diary's resources: the clinic's rooms (named and retired by the owner) and its
practitioners (active users whose role treats clients)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microneedling.errors import InputError
from microneedling.records.audit import audit
from microneedling.records.models import Room, User
from microneedling.services.access import Actor, Permission, require
from microneedling.services.common import DB_INT_MAX, Input, Output, Records, owned, parse
from microneedling.services.errors import Conflict, NotFound

# Roles that treat clients (they may log sessions), so a booking can name them.
PRACTITIONER_ROLES = ("owner", "clinician")
RoomName = Annotated[str, Field(min_length=1, max_length=80)]
# A room in a booking: a number is its id, text its name.
RoomRef = int | RoomName


class RoomIn(Input):
    name: RoomName


class RoomChange(Input):
    version: int
    name: RoomName | None = None
    active: bool | None = None


class RoomOut(Output):
    id: int
    name: str
    active: bool
    version: int


class PractitionerOut(Output):
    id: int
    full_name: str
    role: str


def list_rooms(records: Records, actor: Actor, *, include_retired: bool = False) -> list[RoomOut]:
    require(actor, Permission.READ)
    with records.transaction() as db:
        query = select(Room).where(Room.clinic_id == actor.clinic_id).order_by(Room.name)
        if not include_retired:
            query = query.where(Room.active)
        return [RoomOut.model_validate(room) for room in db.scalars(query)]


def create_room(records: Records, actor: Actor, data: object) -> RoomOut:
    require(actor, Permission.MANAGE_ROOMS)
    room_in = parse(RoomIn, data)
    try:
        with records.transaction() as db:
            room = Room(clinic_id=actor.clinic_id, name=room_in.name, active=True)
            db.add(room)
            db.flush()
            audit(
                db,
                clinic_id=actor.clinic_id,
                actor_id=actor.user_id,
                action="room.create",
                entity="room",
                entity_id=room.id,
                fields=["name"],
            )
            return RoomOut.model_validate(room)
    except IntegrityError:
        raise InputError.one("name", f"a room named {room_in.name!r} exists") from None


def update_room(records: Records, actor: Actor, room_id: int, data: object) -> RoomOut:
    """Rename or retire a room (a retired room keeps its bookings and takes no new ones)."""
    require(actor, Permission.MANAGE_ROOMS)
    change = parse(RoomChange, data)
    try:
        with records.transaction() as db:
            room = owned(db, actor, Room, room_id, "room")
            if room.version != change.version:
                raise Conflict(f"room {room_id} changed (now version {room.version}); reload")
            fields = change.model_dump(exclude_unset=True, exclude={"version"})
            for name, value in fields.items():
                setattr(room, name, value)
            db.flush()
            audit(
                db,
                clinic_id=actor.clinic_id,
                actor_id=actor.user_id,
                action="room.update",
                entity="room",
                entity_id=room.id,
                fields=list(fields),
            )
            return RoomOut.model_validate(room)
    except IntegrityError:
        raise InputError.one("name", f"a room named {change.name!r} exists") from None


def room_for(db: Session, actor: Actor, ref: int | str, field: str = "room") -> Room:
    """The clinic's active room with this id (a number) or name (text), else an input error."""
    if isinstance(ref, int):
        room = db.get(Room, ref) if 1 <= ref <= DB_INT_MAX else None
        if room is not None and room.clinic_id != actor.clinic_id:
            room = None
    else:
        room = db.scalar(select(Room).where(Room.clinic_id == actor.clinic_id, Room.name == ref))
    if room is None:
        raise InputError.one(field, f"no room {ref!r} in this clinic")
    if not room.active:
        raise InputError.one(field, f"room {room.name!r} is retired")
    return room


def list_practitioners(records: Records, actor: Actor) -> list[PractitionerOut]:
    require(actor, Permission.READ)
    with records.transaction() as db:
        query = (
            select(User)
            .where(
                User.clinic_id == actor.clinic_id,
                User.active,
                User.role.in_(PRACTITIONER_ROLES),
            )
            .order_by(User.full_name, User.id)
        )
        return [PractitionerOut.model_validate(user) for user in db.scalars(query)]


def practitioner_for(
    db: Session, actor: Actor, user_id: int, field: str = "practitioner_id"
) -> User:
    """An active user of the clinic who treats clients, else an input error naming the field."""
    try:
        user = owned(db, actor, User, user_id, "user")
    except NotFound:
        raise InputError.one(field, f"no user {user_id} in this clinic") from None
    if not user.active or user.role not in PRACTITIONER_ROLES:
        roles = " or ".join(PRACTITIONER_ROLES)
        raise InputError.one(field, f"user {user_id} is not an active {roles}")
    return user
