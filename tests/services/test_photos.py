"""Photos: type by content, size limit, content-addressed storage, clinic scoping."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
import zlib

import pytest
from sqlalchemy import select
from tests.conftest import PHOTO_STORES
from tests.images import image
from tests.world import World, new_client

from microneedling.errors import InputError
from microneedling.records import image_check
from microneedling.records.models import PhotoRendition
from microneedling.services import photos
from microneedling.services.common import Records
from microneedling.services.errors import Forbidden, NotFound
from microneedling.services.timeline import timeline

PNG = image("PNG")
JPEG = image("JPEG")
WEBP = image("WEBP")
META = {"view": "front", "taken_on": "2026-11-02", "zone": "cheeks"}


@pytest.fixture(params=PHOTO_STORES)
def photo_store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _nothing_stored(records: Records) -> bool:
    return records.photos.stored() == set() and records.photos.leftovers() == []


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")],
)
def test_the_type_comes_from_the_content(content: bytes, content_type: str) -> None:
    assert image_check.content_type_of(content) == content_type


@pytest.mark.parametrize("content", [b"GIF89a" + b"\x00" * 10, b"%PDF-1.7", b"WEBP" * 4])
def test_other_files_are_refused(content: bytes) -> None:
    with pytest.raises(InputError, match="not a JPEG, PNG or WebP"):
        image_check.content_type_of(content)


def renditions_of(world: World, sha256: str) -> set[str]:
    with world.records.transaction() as db:
        return set(
            db.scalars(select(PhotoRendition.sha256).where(PhotoRendition.source_sha256 == sha256))
        )


def test_a_photo_is_stored_once_under_its_hash_and_read_back(world: World) -> None:
    client = new_client(world)
    photo = photos.add_photo(world.records, world.assistant, client.id, PNG, META)
    assert photo.sha256 == hashlib.sha256(PNG).hexdigest()
    assert (photo.content_type, photo.size_bytes, photo.zone) == ("image/png", len(PNG), "cheeks")
    file = photos.photo_file(world.records, world.reader, photo.id)
    assert (file.read(), file.content_type, file.size_bytes) == (PNG, "image/png", len(PNG))
    again = photos.add_photo(world.records, world.assistant, client.id, PNG, META)
    assert again.id != photo.id
    # the file once, and its renditions (a 24 x 16 photo's thumbnail and screen copy are one)
    assert world.records.photos.stored() == {photo.sha256, *renditions_of(world, photo.sha256)}
    assert world.records.photos.leftovers() == []
    assert [e.kind for e in timeline(world.records, world.reader, client.id)] == ["photo", "photo"]


def test_a_photo_over_the_size_limit_is_refused_and_nothing_is_kept(world: World) -> None:
    settings = world.records.settings.model_copy(update={"photo_max_bytes": 1024})
    small = Records(world.records.sessions, world.records.photos, settings, world.records.clock)
    client = new_client(world)
    with pytest.raises(InputError, match="file: larger than"):
        photos.add_photo(small, world.assistant, client.id, PNG + b"\x00" * 2000, META)
    assert _nothing_stored(world.records)


def test_bad_metadata_names_the_field_and_stores_no_file(world: World) -> None:
    client = new_client(world)
    with pytest.raises(InputError) as error:
        photos.add_photo(world.records, world.assistant, client.id, PNG, {**META, "zone": "elbow"})
    assert error.value.problems[0].field == "zone"
    assert "cheeks" in error.value.problems[0].allowed
    assert _nothing_stored(world.records)


def test_a_failed_record_leaves_no_stray_file(world: World) -> None:
    with pytest.raises(NotFound):
        photos.add_photo(world.records, world.assistant, 9999, PNG, META)
    assert _nothing_stored(world.records)


def test_readers_cannot_add_and_outsiders_cannot_see_photos(world: World) -> None:
    client = new_client(world)
    with pytest.raises(Forbidden):
        photos.add_photo(world.records, world.reader, client.id, PNG, META)
    photo = photos.add_photo(world.records, world.assistant, client.id, PNG, META)
    with pytest.raises(NotFound):
        photos.photo_file(world.records, world.outsider, photo.id)


def test_a_photo_taken_after_today_is_refused_and_nothing_is_kept(world: World) -> None:
    client = new_client(world)
    tomorrow = (world.records.clock.today() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(InputError) as error:
        photos.add_photo(
            world.records, world.assistant, client.id, PNG, {**META, "taken_on": tomorrow}
        )
    assert [p.field for p in error.value.problems] == ["taken_on"]
    assert timeline(world.records, world.reader, client.id) == []
    assert _nothing_stored(world.records)


def _png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims this size, with a few bytes of pixel data: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
        + chunk(b"IEND", b"")
    )


HOSTILE = {
    "pixel-bomb-30000x30000": _png_declaring(30000, 30000),
    "html-behind-png-signature": b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
    "html-behind-jpeg-signature": b"\xff\xd8\xff<html><script>alert(1)</script></html>",
    "png-with-html-appended": PNG + b"<html><script>alert(document.cookie)</script></html>",
    "jpeg-with-html-appended": JPEG + b"<!doctype html><body>hi</body>",
    "webp-with-svg-appended": WEBP + b"<svg onload=alert(1)>",
    "random-bytes-behind-png-header": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
    "truncated-png": PNG[: len(PNG) // 2],
}


@pytest.mark.parametrize("content", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_files_are_refused_on_the_file_field_and_nothing_is_kept(
    world: World, content: bytes
) -> None:
    client = new_client(world)
    with pytest.raises(InputError) as error:
        photos.add_photo(world.records, world.assistant, client.id, content, META)
    assert [p.field for p in error.value.problems] == ["file"]
    assert _nothing_stored(world.records)


def test_a_photo_over_the_pixel_limit_is_refused_before_decoding(world: World) -> None:
    settings = world.records.settings.model_copy(update={"photo_max_pixels": 100})
    small = Records(world.records.sessions, world.records.photos, settings)
    with pytest.raises(InputError, match="24 × 16 pixels is over the limit of 100"):
        photos.add_photo(small, world.assistant, new_client(world).id, PNG, META)


def test_the_stored_file_is_re_encoded_without_location_or_trailing_data(world: World) -> None:
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: kept, or the photo would show turned
    exif[0x010F] = "Camera maker"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS position
    content = image("JPEG", exif=exif.tobytes()) + b"\x00motion-photo-trailer"
    photo = photos.add_photo(world.records, world.assistant, new_client(world).id, content, META)
    stored = photos.photo_file(world.records, world.reader, photo.id).read()
    assert stored != content and photo.size_bytes == len(stored)
    assert photo.sha256 == hashlib.sha256(stored).hexdigest()
    assert not stored.endswith(b"motion-photo-trailer")
    with Image.open(io.BytesIO(stored)) as reopened:
        assert dict(reopened.getexif()) == {0x0112: 6}
        assert reopened.size == (24, 16)


@pytest.mark.parametrize("content", [PNG[: len(PNG) // 2], JPEG[:-2], WEBP[:-10]])
def test_a_cut_short_image_is_refused_even_when_pillow_is_told_to_accept_it(
    monkeypatch: pytest.MonkeyPatch, content: bytes
) -> None:
    """WeasyPrint (the PDFs) switches Pillow to accept truncated images for the whole process
    when it is imported; the photo check must not depend on that switch."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(InputError) as error:
        image_check.checked_image(content, 50_000_000)
    assert error.value.problems[0].field == "file"
