"""The one list of clinical record kinds: exports, the timeline, the FHIR record, amendments,
the API routes and the pages all read the kinds, their names and what each allows from here,
so a new kind is added in one place."""

from __future__ import annotations

from typing import Any

from microneedling.errors import InputError
from microneedling.services.clinical_records import ClinicalOut, RecordKind
from microneedling.services.consents import CONSENT
from microneedling.services.errors import NotFound
from microneedling.services.intakes import INTAKE
from microneedling.services.photos import PHOTO
from microneedling.services.plans import PLAN
from microneedling.services.scores import SCORE
from microneedling.services.treatment_sessions import SESSION

AnyKind = RecordKind[Any, Any, ClinicalOut]

# In the order of a course, as exports and the FHIR record list them.
KINDS: tuple[AnyKind, ...] = (INTAKE, PLAN, CONSENT, SESSION, SCORE, PHOTO)
BY_ENTITY: dict[str, AnyKind] = {kind.entity: kind for kind in KINDS}
AMENDABLE: tuple[AnyKind, ...] = tuple(kind for kind in KINDS if kind.amendable)


def kind_named(entity: str, record_id: int) -> AnyKind:
    """The kind a path names (`/records/session/7`); an unknown one is a record not found."""
    if entity not in BY_ENTITY:
        raise NotFound(entity, record_id)
    return BY_ENTITY[entity]


def amendable_kind(entity: str) -> AnyKind:
    """The kind an amendment names, or an input error listing those that can be amended."""
    kind = BY_ENTITY.get(entity)
    if kind is None or not kind.amendable:
        allowed = [kind.entity for kind in AMENDABLE]
        raise InputError.one("entity", f"'{entity}' records cannot be amended", allowed)
    return kind
