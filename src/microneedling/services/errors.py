"""What a use case can refuse, beside bad input (`microneedling.errors.InputError`); the ORM's
refusals (a stale version, a change to an append-only row) reach callers as `Conflict` too.

The web maps them to status codes once, for the API and the pages alike: not found 404,
forbidden 403, conflict 409, unauthenticated 401, too many log-in attempts 429, documents
unavailable 503, any other refusal 409; unconfirmed session departures 409 with the departures
listed; a refusal with a `code` carries it (and its facts) in the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microneedling.clinical.session_check import Departure


class ServiceError(Exception):
    """A refusal the caller can act on; the message says what and why, and a `code` (where
    set) names the kind of refusal for programs, with any `extra()` facts beside it."""

    code: str | None = None

    def extra(self) -> dict[str, Any]:
        return {}


class NotFound(ServiceError):
    """No such record in the actor's clinic (another clinic's records look the same as none)."""

    def __init__(self, entity: str, record_id: int) -> None:
        super().__init__(f"{entity} {record_id} not found")


class Forbidden(ServiceError):
    """The actor's role does not allow this action."""


class Conflict(ServiceError):
    """The record changed since the caller read it, or the action no longer applies."""


class DeparturesFound(Conflict):
    """A session departs from its plan or its screening and was not confirmed with a reason."""

    def __init__(self, departures: Sequence[Departure]) -> None:
        codes = ", ".join(dict.fromkeys(d.code for d in departures))
        super().__init__(
            f"the session departs from the plan ({codes}); confirm the departures and say why"
        )
        self.departures = list(departures)

    def listed(self) -> list[dict[str, Any]]:
        """Each departure as the API lists it: code, zone and message."""
        return [
            d.model_dump(mode="json", include={"code", "zone", "message"}) for d in self.departures
        ]


class Unauthenticated(ServiceError):
    """No valid credentials."""


class TooManyAttempts(ServiceError):
    """Too many failed log-ins for this e-mail within the window."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"too many failed log-ins; try again in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class DocumentsUnavailable(ServiceError):
    """PDFs need the `documents` extra (WeasyPrint) and the system's Pango library."""
