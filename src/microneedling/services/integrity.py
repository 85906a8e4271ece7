"""The photo store checked against the database: every photo row has its file (with the bytes
its SHA-256 names), every file has a row (a photo's, or a rendition's made from one), and no
upload or erasure left a file half done. A missing rendition is no problem: it is made again
when next asked for."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from microneedling.records.models import Photo, PhotoRendition
from microneedling.services.common import Records


@dataclass(frozen=True)
class StoreReport:
    photos: int
    files: int
    problems: list[str] = field(default_factory=list)


def check_photo_store(records: Records) -> StoreReport:
    """What `microneedling db check` reports; an empty `problems` list means all is well."""
    with records.transaction() as db:
        rows = list(db.execute(select(Photo.id, Photo.sha256)))
        copies = set(db.scalars(select(PhotoRendition.sha256)))
    files = records.photos.stored()
    used = {sha256 for _id, sha256 in rows} | copies
    problems = [
        f"photo {photo_id}: file {sha256} is missing"
        for photo_id, sha256 in rows
        if sha256 not in files
    ]
    problems += [f"file {sha256} belongs to no photo" for sha256 in sorted(files - used)]
    problems += [
        f"file {sha256} does not hold the bytes its name says"
        for sha256 in sorted(files & used)
        if hashlib.sha256(records.photos.read(sha256)).hexdigest() != sha256
    ]
    problems += [f"left over: {name}" for name in records.photos.leftovers()]
    return StoreReport(photos=len(rows), files=len(files), problems=problems)
