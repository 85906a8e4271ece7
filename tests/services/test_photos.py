"""Photos: type by content, size limit, content-addressed storage, clinic scoping."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from tests.world import World, new_client

from microneedling.errors import InputError
from microneedling.services import photos
from microneedling.services.common import Records
from microneedling.services.errors import Forbidden, NotFound
from microneedling.services.timeline import timeline

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64
META = {"view": "front", "taken_on": "2026-11-02", "zone": "cheeks"}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")],
)
def test_the_type_comes_from_the_content(content: bytes, content_type: str) -> None:
    assert photos.content_type_of(content) == content_type


@pytest.mark.parametrize("content", [b"GIF89a" + b"\x00" * 10, b"%PDF-1.7", b"WEBP" * 4])
def test_other_files_are_refused(content: bytes) -> None:
    with pytest.raises(InputError, match="not a JPEG, PNG or WebP"):
        photos.content_type_of(content)


def test_a_photo_is_stored_once_under_its_hash_and_read_back(world: World) -> None:
    client = new_client(world)
    photo = photos.add_photo(world.records, world.assistant, client.id, PNG, META)
    assert photo.sha256 == hashlib.sha256(PNG).hexdigest()
    assert (photo.content_type, photo.size_bytes, photo.zone) == ("image/png", len(PNG), "cheeks")
    assert photos.photo_file(world.records, world.reader, photo.id) == (PNG, "image/png")
    again = photos.add_photo(world.records, world.assistant, client.id, PNG, META)
    assert again.id != photo.id
    assert len(list(world.records.photos.root.rglob("*"))) == 2  # one folder, one file
    assert [e.kind for e in timeline(world.records, world.reader, client.id)] == ["photo", "photo"]


def test_a_photo_over_the_size_limit_is_refused_and_nothing_is_kept(world: World) -> None:
    settings = world.records.settings.model_copy(update={"photo_max_bytes": 1024})
    small = Records(world.records.sessions, world.records.photos, settings, world.records.clock)
    client = new_client(world)
    with pytest.raises(InputError, match="file: larger than"):
        photos.add_photo(small, world.assistant, client.id, PNG + b"\x00" * 2000, META)
    assert not world.records.photos.root.exists()


def test_bad_metadata_names_the_field_and_stores_no_file(world: World) -> None:
    client = new_client(world)
    with pytest.raises(InputError) as error:
        photos.add_photo(world.records, world.assistant, client.id, PNG, {**META, "zone": "elbow"})
    assert error.value.problems[0].field == "zone"
    assert "cheeks" in error.value.problems[0].allowed
    assert not world.records.photos.root.exists()


def test_a_failed_record_leaves_no_stray_file(world: World) -> None:
    with pytest.raises(NotFound):
        photos.add_photo(world.records, world.assistant, 9999, PNG, META)
    assert not any(world.records.photos.root.rglob("*.*")) and not any(
        p.is_file() for p in world.records.photos.root.rglob("*")
    )


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
    assert [path for path in world.records.photos.root.rglob("*") if path.is_file()] == []
