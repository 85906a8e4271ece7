"""A photo's file, thumbnail or screen-size copy as an HTTP response, for the API and the pages.

The file is streamed a chunk at a time from either store, its length sent up front, so a
large photo never sits whole in a worker's memory.

A rendition never changes (its ETag is its SHA-256), so a browser keeps it for a year and
asks again only with `If-None-Match`; `private`, because a photo is personal data that no
shared cache may hold.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from microneedling.services.access import Actor
from microneedling.services.common import Records
from microneedling.services.photo_renditions import Kind, photo_rendition
from microneedling.services.photos import PhotoFile

CACHE_CONTROL = "private, max-age=31536000, immutable"


async def rendition_response(
    request: Request, records: Records, actor: Actor, photo_id: int, kind: Kind
) -> Response:
    content, content_type, sha256 = await run_in_threadpool(
        photo_rendition, records, actor, photo_id, kind
    )
    headers = {"ETag": f'"{sha256}"', "Cache-Control": CACHE_CONTROL}
    if request.headers.get("if-none-match", "").strip() in (f'"{sha256}"', f'W/"{sha256}"'):
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=content_type, headers=headers)


def streamed(file: PhotoFile, headers: Mapping[str, str] | None = None) -> StreamingResponse:
    """The photo's file, read from its store as it is sent."""
    length = {"Content-Length": str(file.size_bytes)}
    return StreamingResponse(
        file.chunks, media_type=file.content_type, headers={**length, **(headers or {})}
    )
