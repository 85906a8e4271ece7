"""Who may do what: roles, permissions and the actor a use case runs for.

Roles are enforced here, in the services, so every shell (API, pages, CLI) gets the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, get_args

from microneedling.services.errors import Forbidden

Role = Literal["owner", "clinician", "assistant", "read_only"]
ROLES: tuple[str, ...] = get_args(Role)


class Permission(StrEnum):
    READ = "read records"
    WRITE_CLIENTS = "register and edit clients"
    RECORD_INTAKE = "record intakes"
    PLAN = "create plans"
    RECORD_CONSENT = "record consent"
    LOG_SESSION = "log sessions"
    RECORD_SCORE = "record scores"
    ADD_PHOTO = "add photos"
    AMEND = "amend clinical records"
    EXPORT = "export records"
    READ_AUDIT = "read the audit log"
    MANAGE_USERS = "manage users"
    ERASE_CLIENT = "erase clients"
    BOOK = "book, move and cancel appointments"
    MANAGE_ROOMS = "manage rooms"
    MANAGE_CLINIC = "change the clinic's details"
    MANAGE_PRODUCTS = "manage products and lots"
    SEE_RECALL_CONTACTS = "see clients' contact details in a recall"


_CLINICAL = {
    Permission.READ,
    Permission.WRITE_CLIENTS,
    Permission.RECORD_INTAKE,
    Permission.PLAN,
    Permission.RECORD_CONSENT,
    Permission.LOG_SESSION,
    Permission.RECORD_SCORE,
    Permission.ADD_PHOTO,
    Permission.AMEND,
    Permission.EXPORT,
    Permission.BOOK,
}
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "owner": frozenset(Permission),
    "clinician": frozenset(_CLINICAL),
    "assistant": frozenset(
        {
            Permission.READ,
            Permission.WRITE_CLIENTS,
            Permission.RECORD_INTAKE,
            Permission.RECORD_CONSENT,
            Permission.RECORD_SCORE,
            Permission.ADD_PHOTO,
            Permission.BOOK,
        }
    ),
    "read_only": frozenset({Permission.READ}),
}


@dataclass(frozen=True)
class Actor:
    """The user a use case acts for; `user_id` None is the local command line as owner."""

    clinic_id: int
    role: str
    user_id: int | None = None

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS.get(self.role, frozenset())


def require(actor: Actor, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden(f"the {actor.role} role may not {permission.value}")
