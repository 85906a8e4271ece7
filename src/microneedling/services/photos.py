"""Photos: checked (type by content, size and pixel limits, decoded in full and re-encoded),
stored once under their SHA-256, and described by zone, view, lighting, date and consent.

A client who withdrew photography consent has their photos kept but withheld: not listed, not
read, not exported (the audit log still names them), and no new photo is taken."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field
from sqlalchemy.orm import Session

from microneedling.clinical.models import ZoneCode
from microneedling.errors import InputError
from microneedling.records.audit import audit_bulk_read
from microneedling.records.database import lock_key
from microneedling.records.image_check import checked_image
from microneedling.records.models import Clinical, Photo
from microneedling.services import photo_quality
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import live_client
from microneedling.services.clinical_records import ClinicalOut, RecordKind, in_words, save
from microneedling.services.clock import Clock
from microneedling.services.common import Input, Records, owned, parse
from microneedling.services.consents import photos_withheld
from microneedling.services.errors import Conflict, NotFound
from microneedling.services.photo_measures import (
    carry_over,
    queue_analysis,
    queue_default_comparison,
)
from microneedling.services.photo_quality import QualityCheck
from microneedling.services.photo_renditions import KINDS, all_rendered, keep, recorded_kinds
from microneedling.services.treatment_sessions import SESSION

View = Literal["front", "left", "right", "oblique_left", "oblique_right", "close_up", "other"]
VIEW_NAMES: dict[str, str] = {
    "front": "front",
    "oblique_left": "left 45°",
    "oblique_right": "right 45°",
    "left": "left 90°",
    "right": "right 90°",
    "close_up": "zone close-up",
    "other": "other",
}
"""The standard views in the order they are taken, in words (left and right are the client's)."""


class PhotoIn(Input):
    zone: ZoneCode | None = None
    view: View
    lighting: Annotated[str, Field(max_length=64)] | None = None
    taken_on: dt.date
    consent_to_use: bool = False
    session_id: int | None = None
    quality_confirmed: bool = False


class StoredPhoto(PhotoIn):
    """A photo's description and the file it describes."""

    sha256: str
    content_type: str
    size_bytes: int
    quality_problems: list[str] = Field(default_factory=list)


class PhotoOut(ClinicalOut):
    session_id: int | None
    sha256: str
    content_type: str
    size_bytes: int
    zone: str | None
    view: str
    lighting: str | None
    taken_on: dt.date
    consent_to_use: bool
    quality_problems: list[str]
    quality_confirmed: bool


def _build(
    db: Session,
    actor: Actor,
    client_id: int,
    data: StoredPhoto,
    _original: Clinical | None,
    _clock: Clock,
) -> Photo:
    if data.session_id is not None:
        SESSION.of_client(db, actor, data.session_id, client_id)
    if photos_withheld(db, [client_id]):
        raise Conflict("the client withdrew consent to photography: no photo can be taken")
    return Photo(
        clinic_id=actor.clinic_id,
        client_id=client_id,
        created_by=actor.user_id,
        **data.model_dump(),
    )


def withheld(db: Session, row: Clinical) -> bool:
    """The photo's client withdrew photography consent."""
    return bool(photos_withheld(db, [row.client_id]))


def _summary(row: Photo) -> tuple[dt.date, str]:
    zone = in_words([row.zone]) if row.zone else "no zone"
    return row.taken_on, f"photo: {zone}, {row.view} view"


PHOTO = RecordKind(
    entity="photo",
    plural="photos",
    title="Photo",
    model=Photo,
    input_model=StoredPhoto,
    output_model=PhotoOut,
    permission=Permission.ADD_PHOTO,
    build=_build,
    summary=_summary,
    amendable=True,
    recorded_as_json=False,
    fixed=frozenset(
        {"sha256", "content_type", "size_bytes", "quality_problems", "quality_confirmed"}
    ),
    not_after_today=("taken_on",),
    withheld=withheld,
    after_amend=carry_over,
)


def add_photo(
    records: Records,
    actor: Actor,
    client_id: int,
    content: bytes,
    data: object,
    check: QualityCheck | None = None,
) -> PhotoOut:
    """Check the file, then store it, its renditions and its record, and queue its measurement,
    in one transaction; a failed record leaves no stray file, and a committed one always has
    its file.

    A photo the quality check finds unfit for measurement is refused with the reasons in plain
    words unless `quality_confirmed` says the clinician keeps it anyway; the reasons are kept
    on the record either way. `check` replaces the imaging quality check (tests)."""
    require(actor, Permission.ADD_PHOTO)
    description = parse(PhotoIn, data)
    PHOTO.check_dates(description, records.clock)
    limit = records.settings.photo_max_bytes
    if len(content) > limit:
        raise InputError.one("file", f"larger than the {limit // (1024 * 1024)} MiB limit")
    if not content:
        raise InputError.one("file", "is empty")
    image = checked_image(content, records.settings.photo_max_pixels)
    problems = (check or photo_quality.quality_problems)(image.content, description.view)
    if problems and not description.quality_confirmed:
        raise InputError.one(
            "quality_confirmed",
            "the photo is not fit for measurement: "
            + "; ".join(problems)
            + ". Take it again, or confirm to keep it anyway",
        )
    digest = hashlib.sha256(image.content).hexdigest()
    with records.transaction() as db:
        renditions = [] if recorded_kinds(db, digest) == set(KINDS) else all_rendered(image.content)
    stored = StoredPhoto(
        **description.model_dump(),
        sha256=digest,
        content_type=image.content_type,
        size_bytes=len(image.content),
        quality_problems=problems,
    )
    with records.transaction() as db:
        live_client(db, actor, client_id, lock="shared")
        # The file and its row are decided under the file's lock, which an erasure removing
        # the same file takes too: it is never deleted between being found and being used.
        lock_key(db, f"photo:{digest}")
        _digest, written = records.photos.put(image.content)
        made: list[str] = []
        try:
            made = keep(db, records, digest, renditions)
            row = save(db, actor, PHOTO, client_id, stored, records.clock)
            queue_analysis(db, records, row)
            queue_default_comparison(db, records, client_id)
        except BaseException:
            for stray in [digest, *made] if written else made:
                records.photos.remove(stray)
            raise
        return PHOTO.output(row)


@dataclass(frozen=True)
class PhotoFile:
    """A stored photo on its way out, read a chunk at a time: serving a large file never holds
    it whole in memory."""

    content_type: str
    size_bytes: int
    chunks: Iterator[bytes]

    def read(self) -> bytes:
        return b"".join(self.chunks)


def photo_file(records: Records, actor: Actor, photo_id: int) -> PhotoFile:
    """The photo's file, for someone allowed to read the record. Its first chunk is read here,
    so a missing file is an error before any of it is sent."""
    require(actor, Permission.READ)
    with records.transaction() as db:
        photo = owned(db, actor, Photo, photo_id, "photo")
        live_client(db, actor, photo.client_id)
        if withheld(db, photo):
            raise NotFound("photo", photo_id)
        audit_bulk_read(db, actor, "photo.download", "photo", photo_id, ["file"])
        sha256, content_type, size_bytes = photo.sha256, photo.content_type, photo.size_bytes
    chunks = records.photos.chunks(sha256)
    first = next(chunks, b"")
    return PhotoFile(content_type, size_bytes, itertools.chain([first], chunks))
