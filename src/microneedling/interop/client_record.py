"""A client's record as plain data: what a service reads and the FHIR export is built from."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# One record, a clinic or a client as JSON, the shape the services read them out in.
JsonObject = Mapping[str, Any]


@dataclass(frozen=True)
class Installation:
    """Who exports: the installation's id (the namespace of every resource id), the system of
    its patient identifiers, and the public base URL its photo links start with (if set)."""

    id: uuid.UUID
    identifier_system: str
    public_url: str = ""


@dataclass(frozen=True)
class ClientRecord:
    """One client's current records, each row as JSON-ready data (the services' output models).

    Only current versions are included: a row that a later amendment supersedes is left out.
    Each clinical row carries `resource_id` (the id of its first version, which its resource
    keeps) and `version` (1, then one more per amendment), and references to other rows use
    their `resource_id`s; `amendments` lists each amendment (kind, resource_id, version, reason,
    at, by) so that the bundle can say what it replaced and why.
    `practitioners` names every user a row refers to; `photo_content` holds photo bytes by
    photo id only when photos are to be sent inline; `photo_measurements` are the measures
    stored per photo and zone (photo_id is the photo's `resource_id`; name, UCUM unit, value
    and the MDC95 it is judged against); `identifiers` are the (system, value) pairs
    other systems gave the client, kept from imports.
    """

    clinic: JsonObject
    client: JsonObject
    practitioners: Mapping[int, str] = field(default_factory=dict)
    intakes: Sequence[JsonObject] = ()
    plans: Sequence[JsonObject] = ()
    consents: Sequence[JsonObject] = ()
    sessions: Sequence[JsonObject] = ()
    scores: Sequence[JsonObject] = ()
    photos: Sequence[JsonObject] = ()
    amendments: Sequence[JsonObject] = ()
    photo_measurements: Sequence[JsonObject] = ()
    photo_content: Mapping[int, bytes] = field(default_factory=dict)
    identifiers: Sequence[tuple[str, str]] = ()
