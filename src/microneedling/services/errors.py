"""What a use case can refuse, beside bad input (`microneedling.errors.InputError`).

The API maps them to status codes once: not found 404, forbidden 403, conflict 409,
unauthenticated 401, too many log-in attempts 429.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal the caller can act on; the message says what and why."""


class NotFound(ServiceError):
    """No such record in the actor's clinic (another clinic's records look the same as none)."""

    def __init__(self, entity: str, record_id: int) -> None:
        super().__init__(f"{entity} {record_id} not found")


class Forbidden(ServiceError):
    """The actor's role does not allow this action."""


class Conflict(ServiceError):
    """The record changed since the caller read it, or the action no longer applies."""


class Unauthenticated(ServiceError):
    """No valid credentials."""


class TooManyAttempts(ServiceError):
    """Too many failed log-ins for this e-mail within the window."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"too many failed log-ins; try again in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds
