"""A client's record as plain data: what a service reads and the FHIR export is built from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Row = Mapping[str, Any]


@dataclass(frozen=True)
class ClientRecord:
    """One client's current records, each row as JSON-ready data (the services' output models).

    Only current versions are included: a row that a later amendment supersedes is left out.
    `practitioners` names every user a row refers to; `photo_content` holds photo bytes by
    photo id only when photos are to be sent inline.
    """

    clinic: Row
    client: Row
    practitioners: Mapping[int, str] = field(default_factory=dict)
    intakes: Sequence[Row] = ()
    plans: Sequence[Row] = ()
    consents: Sequence[Row] = ()
    sessions: Sequence[Row] = ()
    scores: Sequence[Row] = ()
    photos: Sequence[Row] = ()
    photo_content: Mapping[int, bytes] = field(default_factory=dict)
