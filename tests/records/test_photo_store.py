"""Both photo stores behave alike: whole writes, content addressing, setting aside for an
erasure, and moving every file from one to the other with each checked by its SHA-256."""

from __future__ import annotations

import hashlib
import os

import pytest
from tests.conftest import PHOTO_STORES

from microneedling.config import Settings
from microneedling.records.photo_store import (
    CHUNK_BYTES,
    LocalPhotoStore,
    PhotoStore,
    move_photos,
    open_photo_store,
)

LARGE = os.urandom(2 * CHUNK_BYTES + 123)  # three chunks in the database store


@pytest.fixture(params=PHOTO_STORES)
def photo_store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_a_file_is_written_once_and_read_back_whole(photo_store: PhotoStore) -> None:
    digest, written = photo_store.put(LARGE)
    assert digest == hashlib.sha256(LARGE).hexdigest() and written
    assert photo_store.put(LARGE) == (digest, False)
    assert photo_store.read(digest) == LARGE
    assert photo_store.stored() == {digest} and photo_store.leftovers() == []
    photo_store.remove(digest)
    assert photo_store.stored() == set()
    with pytest.raises(FileNotFoundError):
        photo_store.read(digest)


def test_a_file_set_aside_is_out_of_reach_until_put_back_or_discarded(
    photo_store: PhotoStore,
) -> None:
    digest, _written = photo_store.put(b"photo bytes")
    aside = photo_store.set_aside(digest)
    assert aside is not None and photo_store.set_aside(digest) is None
    assert photo_store.stored() == set() and photo_store.leftovers() == [aside]
    photo_store.put_back(digest, aside)
    assert photo_store.read(digest) == b"photo bytes" and photo_store.leftovers() == []
    aside = photo_store.set_aside(digest)
    assert aside is not None
    photo_store.discard(digest, aside)
    assert photo_store.stored() == set() and photo_store.leftovers() == []


def test_putting_back_after_the_same_bytes_came_again_keeps_one_copy(
    photo_store: PhotoStore,
) -> None:
    digest, _written = photo_store.put(b"same bytes")
    aside = photo_store.set_aside(digest)
    assert aside is not None
    assert photo_store.put(b"same bytes") == (digest, True)
    photo_store.put_back(digest, aside)
    assert photo_store.stored() == {digest} and photo_store.leftovers() == []
    assert photo_store.read(digest) == b"same bytes"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_photos_move_between_stores_checked_and_a_damaged_file_stays(
    settings: Settings, photo_store_kind: str
) -> None:
    """The move is between the data directory and PostgreSQL: on PostgreSQL only."""
    local = open_photo_store(settings.model_copy(update={"photo_store": "local"}))
    database = open_photo_store(settings.model_copy(update={"photo_store": "postgres"}))
    source, target = (local, database) if photo_store_kind == "postgres" else (database, local)
    good = [source.put(LARGE)[0], source.put(b"small")[0]]
    damaged = source.put(b"will be damaged")[0]
    if isinstance(source, LocalPhotoStore):
        source.path_for(damaged).write_bytes(b"not what the name says")
    else:  # the wrong bytes' rows renamed to the damaged file's name
        source.remove(damaged)
        aside = source.set_aside(source.put(b"not what the name says")[0])
        assert aside is not None
        source.put_back(damaged, aside)
    moved = move_photos(source, target)
    assert (moved.moved, moved.already_there) == (2, 0)
    assert moved.problems == [f"file {damaged} in the source does not hold the bytes its name says"]
    assert target.stored() == set(good) and source.stored() == {damaged}
    assert target.read(good[0]) == LARGE
    again = move_photos(source, target)
    assert (again.moved, again.already_there, len(again.problems)) == (0, 0, 1)
