"""A large photo file is sent a chunk at a time from either store: a worker's memory does not
grow with the photo's size."""

from __future__ import annotations

import hashlib
import tracemalloc
from typing import Any

import anyio
import pytest
from sqlalchemy import update
from tests.conftest import PHOTO_STORES
from tests.services.test_photos import PNG
from tests.world import PASSWORD, TODAY, World, new_client

from microneedling.records.models import Photo
from microneedling.records.photo_store import CHUNK_BYTES
from microneedling.services import photos, users
from microneedling.web.app import create_app

LARGE_BYTES = 30 * 1024 * 1024


@pytest.fixture(params=PHOTO_STORES)
def photo_store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def large_photo(world: World) -> tuple[int, str]:
    """A photo record whose stored file is 30 MB (written to the store directly: an upload
    that large is over the upload limit); its id and the file's SHA-256."""
    person = new_client(world)
    meta = {"view": "front", "taken_on": TODAY.isoformat()}
    photo = photos.add_photo(world.records, world.assistant, person.id, PNG, meta)
    content = bytes(range(256)) * (LARGE_BYTES // 256)
    digest, _written = world.records.photos.put(content)
    with world.records.transaction() as db:
        db.execute(
            update(Photo)
            .where(Photo.id == photo.id)
            .values(sha256=digest, size_bytes=len(content))
            .execution_options(synchronize_session=False)
        )
    return photo.id, digest


async def get(app: Any, path: str, token: str) -> tuple[int, dict[str, str], list[int], str]:
    """One GET straight through the ASGI app: status, headers, the size of each body part and
    the body's SHA-256 (the parts are hashed as they come, never kept)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    done = anyio.Event()
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    status, headers, parts, digest = 0, {}, [], hashlib.sha256()

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            parts.append(len(message.get("body", b"")))
            digest.update(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return status, headers, parts, digest.hexdigest()


def test_a_large_photo_file_is_streamed_in_chunks_with_flat_memory(world: World) -> None:
    photo_id, digest = large_photo(world)
    app = create_app(world.records.settings)
    app.state.records = world.records
    token = users.log_in(world.records, "reader@a.example", PASSWORD).access_token
    tracemalloc.start()
    try:
        status, headers, parts, received = anyio.run(
            get, app, f"/api/v1/photos/{photo_id}/file", token
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 200
    assert received == digest and sum(parts) == LARGE_BYTES
    assert headers["content-length"] == str(LARGE_BYTES)
    assert len([size for size in parts if size]) >= LARGE_BYTES // CHUNK_BYTES
    assert max(parts) <= CHUNK_BYTES
    assert peak < LARGE_BYTES // 6, f"peak {peak} bytes while sending {LARGE_BYTES}"
