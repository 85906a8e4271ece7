"""Consent: what the client agreed to, in which version of the text, how, when and by whom.

The exact text is stored with the record, so a later version of the text never changes what
was signed. Consent to treatment under a plan needs a plan that treats: a deferred or refused
plan cannot be accepted (409).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from importlib.resources import files
from typing import Annotated, Literal

from pydantic import Field
from sqlalchemy.orm import Session

from microneedling.errors import InputError
from microneedling.records.models import Clinical, Consent, PlanRecord
from microneedling.services.access import Actor, Permission
from microneedling.services.clinical_records import ClinicalOut, RecordKind
from microneedling.services.clock import Clock
from microneedling.services.common import Input, owned
from microneedling.services.errors import Conflict

Scope = Literal["treatment", "photography", "photo_publication"]
Method = Literal["written_signature", "electronic_signature", "verbal_witnessed"]


@cache
def consent_texts() -> dict[tuple[str, str], str]:
    """Every consent text by (scope, version), in the order the file lists them."""
    data = tomllib.loads(
        (files("microneedling.services") / "data" / "consent_texts.toml").read_text("utf-8")
    )
    return {(entry["scope"], entry["version"]): entry["text"] for entry in data["texts"]}


def current_version(scope: str) -> str:
    return [version for (s, version) in consent_texts() if s == scope][-1]


class ConsentIn(Input):
    scope: Scope
    signer_name: Annotated[str, Field(min_length=1, max_length=200)]
    method: Method
    signed_at: dt.datetime | None = None
    plan_id: int | None = None
    text_version: str | None = None


class ConsentOut(ClinicalOut):
    plan_id: int | None
    scope: str
    text_version: str
    text: str
    signer_name: str
    signed_at: dt.datetime
    method: str


def _build(
    db: Session,
    actor: Actor,
    client_id: int,
    data: ConsentIn,
    _original: Clinical | None,
    clock: Clock,
) -> Consent:
    version = data.text_version or current_version(data.scope)
    text = consent_texts().get((data.scope, version))
    if text is None:
        known = [v for (s, v) in consent_texts() if s == data.scope]
        raise InputError.one("text_version", f"no {data.scope} text '{version}'", known)
    if data.plan_id is not None:
        plan = owned(db, actor, PlanRecord, data.plan_id, "plan")
        if plan.client_id != client_id:
            raise Conflict(f"plan {data.plan_id} belongs to another client")
        if data.scope == "treatment" and plan.status != "ok":
            raise Conflict(
                f"plan {data.plan_id} is {plan.status}: there is no treatment to consent to; "
                "plan again once its findings allow"
            )
    return Consent(
        clinic_id=actor.clinic_id,
        client_id=client_id,
        created_by=actor.user_id,
        plan_id=data.plan_id,
        scope=data.scope,
        text_version=version,
        text=text,
        signer_name=data.signer_name,
        signed_at=data.signed_at or clock.now(),
        method=data.method,
    )


CONSENT = RecordKind(
    entity="consent",
    model=Consent,
    input_model=ConsentIn,
    permission=Permission.RECORD_CONSENT,
    build=_build,
    output=ConsentOut.model_validate,
    not_after_today=("signed_at",),
)
