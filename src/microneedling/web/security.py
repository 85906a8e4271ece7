"""Headers every answer carries, and the API docs page served from this package.

Scripts come only from this site (`script-src 'self'`, no inline script or handler), no other
site may frame a page, nothing is sniffed into another type, and nothing but the static files
is kept in a cache: pages and API answers show patient data. The one exception is a photo's
thumbnail or screen copy, which never changes and is kept by the browser only (`private`).
"""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from microneedling.config import Settings

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # Style attributes (zone map fills, HTMX's indicator style) are not script.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """Adds the headers to every HTTP answer; `no-store` to all but the static files and the
    answers that chose a `private` cache themselves (a photo's immutable renditions)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope["path"]).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                given = message.get("headers", [])
                cacheable = static or any(
                    name.lower() == b"cache-control" and value.startswith(b"private")
                    for name, value in given
                )
                headers = [
                    (name, value)
                    for name, value in given
                    if cacheable or name.lower() != b"cache-control"
                ]
                headers.extend(HEADERS)
                if not cacheable:
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    """Raised while a body is read, so FastAPI answers it as the 413 it is."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over the {limit} byte limit")


class BodyLimit:
    """413 for a request body over its limit: `request_max_bytes` for JSON and forms, the photo
    limit (plus room for the form's other fields) for multipart uploads. The declared length is
    checked first; a body sent without one is counted as it arrives."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        upload = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        limit = self.upload_max_bytes if upload else self.max_bytes
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(BodyTooLarge(limit), send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge as error:
            if started:
                raise
            await self._refuse(error, send)

    @staticmethod
    async def _refuse(error: BodyTooLarge, send: Send) -> None:
        body = json.dumps({"detail": error.detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class QueryStringsOutOfLogs(logging.Filter):
    """Access log lines without query strings: a name typed in a search never reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def keep_query_strings_out_of_logs() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QueryStringsOutOfLogs) for f in access.filters):
        access.addFilter(QueryStringsOutOfLogs())


DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} · API</title>
  <link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
  <script src="/static/swagger-ui/swagger-ui-bundle.js" defer></script>
  <script src="/static/api-docs.js" defer></script>
</head>
<body><div id="swagger-ui" data-openapi-url="{openapi_url}"></div></body>
</html>
"""


def install(app: FastAPI, settings: Settings, docs_url: str) -> None:
    """The body limit and the headers on every answer, and Swagger UI from the vendored files
    (works offline)."""
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.request_max_bytes,
        upload_max_bytes=settings.photo_max_bytes + settings.request_max_bytes,
    )
    app.add_middleware(SecurityHeaders)
    keep_query_strings_out_of_logs()
    page = DOCS_PAGE.format(title=app.title, openapi_url=app.openapi_url)

    @app.get(docs_url, include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return HTMLResponse(page)
