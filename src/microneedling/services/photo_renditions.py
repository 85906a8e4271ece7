"""Smaller copies of each photo for the pages: a thumbnail and a screen-size version.

Made with Pillow when a photo is uploaded: turned upright by its EXIF orientation, reduced to
fit its long side, saved as WebP with no metadata (no EXIF, no colour profile, no comments).
Each is stored in the photo store by its own SHA-256 and found through the original's hash
(`PhotoRendition`), so all records of one file share them. A photo stored before renditions
existed, or whose rendition file is missing, gets it made the first time it is asked for:
renditions are a cache of the original, never the only copy of anything.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from microneedling.records.database import lock_key
from microneedling.records.models import Photo, PhotoRendition
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import live_client
from microneedling.services.common import Records, owned

Kind = Literal["thumbnail", "screen"]
KINDS: tuple[Kind, ...] = get_args(Kind)
LONG_SIDE_PX: dict[Kind, int] = {"thumbnail": 400, "screen": 1600}
"""The long side each rendition fits in: a gallery tile (shown at 160-200 px, sharp on a
double-density screen) and a photo viewed full width on a laptop."""
WEBP_QUALITY = 80
CONTENT_TYPE = "image/webp"


@dataclass(frozen=True)
class Rendition:
    kind: Kind
    content: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def rendered(original: bytes, kind: Kind) -> Rendition:
    """The original reduced to fit `LONG_SIDE_PX[kind]`, upright, as WebP without metadata."""
    from PIL import Image, ImageOps

    side = LONG_SIDE_PX[kind]
    with Image.open(io.BytesIO(original)) as image:
        # A JPEG decodes at 1/2, 1/4 or 1/8 scale straight away: a 20 MB photo stays fast.
        image.draft("RGB", (side, side))
        upright = ImageOps.exif_transpose(image)
        if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
            rgba = upright.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            upright = flat
        small = upright.convert("RGB")
        small.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=3.0)
        out = io.BytesIO()
        small.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
        return Rendition(kind, out.getvalue(), small.width, small.height)


def all_rendered(original: bytes) -> list[Rendition]:
    return [rendered(original, kind) for kind in KINDS]


def recorded_kinds(db: Session, source_sha256: str) -> set[str]:
    """The renditions already made of a file."""
    return set(
        db.scalars(select(PhotoRendition.kind).where(PhotoRendition.source_sha256 == source_sha256))
    )


def keep(
    db: Session, records: Records, source_sha256: str, renditions: list[Rendition]
) -> list[str]:
    """Store the renditions of a file and record them, under the file's lock (taken by the
    caller); those already recorded are left as they are. The hashes of the files this call
    wrote, for removing them if the transaction fails."""
    recorded = set(
        db.scalars(select(PhotoRendition.kind).where(PhotoRendition.source_sha256 == source_sha256))
    )
    written = []
    for rendition in renditions:
        if rendition.kind in recorded:
            continue
        digest, new = records.photos.put(rendition.content)
        if new:
            written.append(digest)
        db.add(
            PhotoRendition(
                source_sha256=source_sha256,
                kind=rendition.kind,
                sha256=rendition.sha256,
                content_type=CONTENT_TYPE,
                size_bytes=len(rendition.content),
                width=rendition.width,
                height=rendition.height,
            )
        )
    db.flush()
    return written


def photo_rendition(
    records: Records, actor: Actor, photo_id: int, kind: Kind
) -> tuple[bytes, str, str]:
    """A rendition's bytes, content type and SHA-256, for someone allowed to read the record;
    made now if it was never made or its file has gone."""
    require(actor, Permission.READ)
    with records.transaction() as db:
        photo = owned(db, actor, Photo, photo_id, "photo")
        live_client(db, actor, photo.client_id)
        source = photo.sha256
        found = _recorded(db, source, kind)
        if found is not None:
            try:
                return records.photos.read(found.sha256), found.content_type, found.sha256
            except FileNotFoundError:
                pass
    made = rendered(records.photos.read(source), kind)
    with records.transaction() as db:
        lock_key(db, f"photo:{source}")
        stale = _recorded(db, source, kind)
        if stale is not None:
            db.delete(stale)
            db.flush()
        keep(db, records, source, [made])
    return made.content, CONTENT_TYPE, made.sha256


def _recorded(db: Session, source: str, kind: Kind) -> PhotoRendition | None:
    return db.scalar(
        select(PhotoRendition).where(
            PhotoRendition.source_sha256 == source, PhotoRendition.kind == kind
        )
    )
