"""Thumbnails and screen copies: made at upload, upright, without metadata, within their size;
made again when missing; gone with the client's erasure."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import delete, select
from tests.images import image
from tests.world import World, new_client

from microneedling.records.models import PhotoRendition
from microneedling.services import photos
from microneedling.services.clients import erase_client
from microneedling.services.errors import NotFound
from microneedling.services.integrity import check_photo_store
from microneedling.services.photo_renditions import LONG_SIDE_PX, photo_rendition, rendered

META = {"view": "front", "taken_on": "2026-11-02"}
ORIENTATION = 0x0112


def opened(content: bytes) -> object:
    from PIL import Image

    return Image.open(io.BytesIO(content))


def rotated_jpeg(size: tuple[int, int] = (3000, 2000), orientation: int = 6) -> bytes:
    """A landscape JPEG whose EXIF says "turn 90° clockwise to view", with a camera tag."""
    from PIL import Image

    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "CameraMaker"
    return image("JPEG", size=size, exif=exif.tobytes())


@pytest.mark.parametrize("kind", ["thumbnail", "screen"])
def test_a_rendition_is_upright_within_its_size_and_carries_no_metadata(kind: str) -> None:
    made = rendered(rotated_jpeg(), kind)  # type: ignore[arg-type]
    side = LONG_SIDE_PX[kind]  # type: ignore[index]
    with opened(made.content) as picture:  # type: ignore[attr-defined]
        assert picture.format == "WEBP"
        assert picture.size == (made.width, made.height) == (round(side * 2 / 3), side)
        assert not picture.getexif() and "icc_profile" not in picture.info


def test_a_small_photo_is_never_enlarged_and_transparency_is_flattened() -> None:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (40, 30), (255, 0, 0, 0)).save(out, format="PNG")
    made = rendered(out.getvalue(), "thumbnail")
    with opened(made.content) as picture:  # type: ignore[attr-defined]
        assert picture.size == (40, 30)
        assert picture.convert("RGB").getpixel((5, 5)) == (255, 255, 255)


def test_renditions_are_made_at_upload_and_served_from_the_store(world: World) -> None:
    client = new_client(world)
    photo = photos.add_photo(world.records, world.assistant, client.id, rotated_jpeg(), META)
    with world.records.transaction() as db:
        kinds = set(
            db.scalars(
                select(PhotoRendition.kind).where(PhotoRendition.source_sha256 == photo.sha256)
            )
        )
    assert kinds == {"thumbnail", "screen"}
    content, content_type, sha256 = photo_rendition(
        world.records, world.reader, photo.id, "thumbnail"
    )
    assert content_type == "image/webp" and world.records.photos.read(sha256) == content
    assert check_photo_store(world.records).problems == []


def test_a_photo_stored_without_renditions_gets_them_when_first_asked(world: World) -> None:
    client = new_client(world)
    photo = photos.add_photo(world.records, world.assistant, client.id, rotated_jpeg(), META)
    with world.records.transaction() as db:
        db.execute(delete(PhotoRendition))
    for stored in world.records.photos.stored() - {photo.sha256}:
        world.records.photos.remove(stored)
    first = photo_rendition(world.records, world.reader, photo.id, "screen")
    again = photo_rendition(world.records, world.reader, photo.id, "screen")
    assert first == again
    with world.records.transaction() as db:
        assert db.scalars(select(PhotoRendition.sha256)).all() == [first[2]]


def test_a_rendition_whose_file_went_missing_is_made_again(world: World) -> None:
    client = new_client(world)
    photo = photos.add_photo(world.records, world.assistant, client.id, rotated_jpeg(), META)
    _content, _type, sha256 = photo_rendition(world.records, world.reader, photo.id, "thumbnail")
    world.records.photos.remove(sha256)
    content, _type, again = photo_rendition(world.records, world.reader, photo.id, "thumbnail")
    assert again == sha256 and world.records.photos.read(sha256) == content


def test_another_clinic_cannot_read_a_rendition(world: World) -> None:
    client = new_client(world)
    photo = photos.add_photo(world.records, world.assistant, client.id, image("PNG"), META)
    with pytest.raises(NotFound):
        photo_rendition(world.records, world.outsider, photo.id, "thumbnail")


def test_erasure_removes_the_renditions_with_the_photo(world: World) -> None:
    client = new_client(world)
    photos.add_photo(world.records, world.assistant, client.id, rotated_jpeg(), META)
    assert len(world.records.photos.stored()) == 3
    erase_client(world.records, world.owner, client.id)
    assert world.records.photos.stored() == set()
    with world.records.transaction() as db:
        assert db.scalars(select(PhotoRendition)).all() == []
