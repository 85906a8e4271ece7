"""Consent: what the client agreed to (or withdrew), in which version of the text, how, when,
before whom and by whose hand.

Three consents are separate records: treatment, photography for the record, photography for
publication. The exact text is stored with the record (and its SHA-256), so a later version of
the text never changes what was signed. A signature drawn on screen is kept as a PNG (checked
and re-encoded like any image), an optional witness's beside it; keyboard users type their
name and tick that the typed name is their signature (`typed_name`). Each record is sealed with
a SHA-256 over all it stores (`seal_of` says exactly what, in which order); consents are never
amended: a withdrawal is a new record with `decision = "withdrawn"`, and the latest record of
a scope is the client's standing decision. Withdrawn photography hides the client's photos
from every view and export (`photos_withheld`), the audit log aside.

Consent to treatment under a plan needs a plan that treats: a deferred or refused plan cannot
be accepted (409).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import json
import tomllib
from collections.abc import Collection
from functools import cache
from importlib.resources import files
from typing import Annotated, Literal, get_args

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from microneedling.errors import InputError
from microneedling.records.image_check import checked_image
from microneedling.records.models import Clinical, Consent
from microneedling.services.access import Actor, Permission
from microneedling.services.clinical_records import ClinicalOut, RecordKind, is_current
from microneedling.services.clock import Clock
from microneedling.services.common import Input
from microneedling.services.errors import Conflict
from microneedling.services.plans import PLAN

Scope = Literal["treatment", "photography", "photo_publication"]
SCOPES: tuple[str, ...] = get_args(Scope)
SCOPE_NAMES = {
    "treatment": "Treatment",
    "photography": "Photography for the clinical record",
    "photo_publication": "Photography for publication",
}
Method = Literal["written_signature", "electronic_signature", "typed_name", "verbal_witnessed"]
Decision = Literal["given", "withdrawn"]
# A signature image: a PNG of at most this many bytes (decoded) and pixels, at least this wide
# and high. Generous for a drawing pad at a phone's or a tablet's pixel density.
SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_PIXELS = 4096 * 2048
SIGNATURE_MIN_SIDE_PX = 16
SEAL_FORMAT = "microneedling-consent-seal/1"
Name = Annotated[str, Field(min_length=1, max_length=200)]
# Base64 of a PNG up to SIGNATURE_MAX_BYTES (4 characters per 3 bytes, and some slack).
SignatureBase64 = Annotated[str, Field(max_length=SIGNATURE_MAX_BYTES * 4 // 3 + 16)]


@cache
def consent_texts() -> dict[tuple[str, str], str]:
    """Every consent text by (scope, version), in the order the file lists them."""
    data = tomllib.loads(
        (files("microneedling.services") / "data" / "consent_texts.toml").read_text("utf-8")
    )
    return {(entry["scope"], entry["version"]): entry["text"] for entry in data["texts"]}


def current_version(scope: str) -> str:
    return [version for (s, version) in consent_texts() if s == scope][-1]


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ConsentIn(Input):
    scope: Scope
    decision: Decision = "given"
    signer_name: Name
    method: Method
    signed_at: dt.datetime | None = None
    plan_id: int | None = None
    text_version: str | None = None
    signature_png: SignatureBase64 | None = Field(
        default=None, description="The client's signature: base64 of a PNG"
    )
    typed_agreement: bool = Field(
        default=False, description="`typed_name` only: the signer ticked that the typed name signs"
    )
    witness_name: Name | None = None
    witness_signature_png: SignatureBase64 | None = Field(
        default=None, description="The witness's signature: base64 of a PNG"
    )


class ConsentOut(ClinicalOut):
    plan_id: int | None
    scope: str
    decision: str
    text_version: str
    text: str
    text_sha256: str | None
    signer_name: str
    signed_at: dt.datetime
    method: str
    witness_name: str | None
    signed_on_screen: bool = Field(description="A signature image is stored with the record")
    witnessed_on_screen: bool
    record_sha256: str | None


def consent_out(row: Consent) -> ConsentOut:
    """The record as read: the signature images are reported as present, never inlined (the
    PDF of the consent shows them)."""
    return ConsentOut.model_validate(
        {
            **{name: getattr(row, name) for name in ConsentOut.model_fields if hasattr(row, name)},
            "signed_on_screen": row.signature_png is not None,
            "witnessed_on_screen": row.witness_signature_png is not None,
        }
    )


def signature_png(field: str, encoded: str | None) -> bytes | None:
    """The PNG behind a base64 signature, decoded in full and re-encoded, or a 422 naming the
    field: not base64, not a PNG, empty, too large or too small."""
    if encoded is None:
        return None
    try:
        content = base64.b64decode(encoded.removeprefix("data:image/png;base64,"), validate=True)
    except (binascii.Error, ValueError):
        raise InputError.one(field, "is not base64") from None
    if len(content) > SIGNATURE_MAX_BYTES:
        raise InputError.one(field, f"is over {SIGNATURE_MAX_BYTES // 1024} KiB")
    if not content.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InputError.one(field, "is not a PNG image", ("png",))
    try:
        image = checked_image(content, SIGNATURE_MAX_PIXELS)
    except InputError as error:
        raise InputError.one(field, error.problems[0].message, ("png",)) from None
    from PIL import Image

    with Image.open(io.BytesIO(image.content)) as decoded:
        if min(decoded.size) < SIGNATURE_MIN_SIDE_PX:
            raise InputError.one(
                field,
                f"is {decoded.width} × {decoded.height} pixels: too small to hold a signature",
            )
    return image.content


def _digest(content: bytes | None) -> str | None:
    return hashlib.sha256(content).hexdigest() if content is not None else None


def seal_of(row: Consent) -> str:
    """The SHA-256 seal of a consent record, over all it stores.

    The hashed bytes are the UTF-8 of a JSON object with keys in sorted order, no spaces
    (`separators=(",", ":")`) and non-ASCII characters as they are (`ensure_ascii=False`):
    `client_id`, `clinic_id`, `created_by` (the user who took the consent), `decision`,
    `format` (this format's name), `method`, `plan_id`, `scope`, `signature_png_sha256`,
    `signed_at` (ISO 8601 in UTC, with microseconds), `signer_name`, `text_sha256`,
    `text_version`, `witness_name`, `witness_signature_png_sha256`. The images and the text are
    covered through their own SHA-256; a missing value is `null`."""
    content = {
        "client_id": row.client_id,
        "clinic_id": row.clinic_id,
        "created_by": row.created_by,
        "decision": row.decision,
        "format": SEAL_FORMAT,
        "method": row.method,
        "plan_id": row.plan_id,
        "scope": row.scope,
        "signature_png_sha256": _digest(row.signature_png),
        "signed_at": row.signed_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "signer_name": row.signer_name,
        "text_sha256": text_sha256(row.text),
        "text_version": row.text_version,
        "witness_name": row.witness_name,
        "witness_signature_png_sha256": _digest(row.witness_signature_png),
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def seal_holds(row: Consent) -> bool:
    """The stored seal still matches what is stored (a record made before sealing has none)."""
    return row.record_sha256 is not None and row.record_sha256 == seal_of(row)


def _check_signing(data: ConsentIn) -> None:
    if data.method == "typed_name" and not data.typed_agreement:
        raise InputError.one(
            "typed_agreement", "must be ticked: the typed name is the signature", ("true",)
        )
    if data.witness_signature_png is not None and data.witness_name is None:
        raise InputError.one("witness_name", "is needed with a witness's signature")


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
    _check_signing(data)
    signature = signature_png("signature_png", data.signature_png)
    witness_signature = signature_png("witness_signature_png", data.witness_signature_png)
    if data.plan_id is not None:
        plan = PLAN.of_client(db, actor, data.plan_id, client_id)
        if data.scope == "treatment" and data.decision == "given" and plan.status != "ok":
            raise Conflict(
                f"plan {data.plan_id} is {plan.status}: there is no treatment to consent to; "
                "plan again once its findings allow"
            )
    row = Consent(
        clinic_id=actor.clinic_id,
        client_id=client_id,
        created_by=actor.user_id,
        plan_id=data.plan_id,
        scope=data.scope,
        decision=data.decision,
        text_version=version,
        text=text,
        text_sha256=text_sha256(text),
        signer_name=data.signer_name,
        # Stored to the microsecond on every database, so the seal reads back the same.
        signed_at=(data.signed_at or clock.now()).astimezone(dt.UTC),
        method=data.method,
        signature_png=signature,
        witness_name=data.witness_name,
        witness_signature_png=witness_signature,
    )
    row.record_sha256 = seal_of(row)
    return row


def standing_decisions(db: Session, client_ids: Collection[int], scope: str) -> dict[int, str]:
    """Each client's standing decision on one scope: the latest consent record's (by signing
    time, then id); a client with none is absent."""
    if not client_ids:
        return {}
    rows = db.execute(
        select(Consent.client_id, Consent.decision)
        .where(Consent.client_id.in_(client_ids), Consent.scope == scope, is_current(Consent))
        .order_by(Consent.signed_at, Consent.id)
    )
    # Later rows overwrite earlier ones: the latest stands.
    return {client_id: decision for client_id, decision in rows.tuples()}  # noqa: C416


def photos_withheld(db: Session, client_ids: Collection[int]) -> set[int]:
    """The clients (of those asked) whose photos are hidden: their photography consent stands
    withdrawn. Photos of a client who never recorded one stay as they were."""
    decisions = standing_decisions(db, client_ids, "photography")
    return {client_id for client_id, decision in decisions.items() if decision == "withdrawn"}


def _summary(row: Consent) -> tuple[dt.date, str]:
    action = "consent to" if row.decision == "given" else "consent withdrawn:"
    scope, method = row.scope.replace("_", " "), row.method.replace("_", " ")
    return row.signed_at.date(), f"{action} {scope} ({method}, text {row.text_version})"


CONSENT = RecordKind(
    entity="consent",
    plural="consents",
    title="Consent",
    model=Consent,
    input_model=ConsentIn,
    output_model=ConsentOut,
    permission=Permission.RECORD_CONSENT,
    build=_build,
    summary=_summary,
    present=consent_out,
    not_after_today=("signed_at",),
)
