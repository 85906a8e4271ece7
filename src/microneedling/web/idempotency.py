"""No duplicates from repeats: every POST under `/api/v1` honours an `Idempotency-Key` header,
and every page form carries a one-time `form_token`.

- API: the same key with the same request answers the first response again (with
  `Idempotent-Replayed: true`) and saves nothing new; the same key with another request is
  422, naming the header; while the first is still being handled, 409. Only successful
  responses are kept: a refused request can be corrected and sent again under its key. Log-in
  is left out: it saves nothing, and its answer is a credential not to be stored.
- Pages: a form submitted again with its token (a double click, Back then Save) goes to the
  record the first submit saved, marked `saved=again` so the page says so. A form that was
  refused keeps no claim, so it can be corrected and sent.

Keys belong to the user who sent them (or to nobody signed in). An ASGI middleware, so it sees
the raw request once and the final response, whatever route answers.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from microneedling.errors import InputError
from microneedling.services import idempotency
from microneedling.services.common import Records
from microneedling.services.errors import Unauthenticated
from microneedling.services.users import actor_for_token
from microneedling.web.errors import input_error_response

API_PREFIX = "/api/v1/"
NOT_KEPT = frozenset({"/api/v1/auth/token"})
HEADER = "Idempotency-Key"
FORM_FIELD = "form_token"
SESSION_COOKIE = "mn_session"
PAGE_WAIT_SECONDS = 5.0
_MULTIPART_TOKEN = re.compile(rb'name="form_token"\r\n\r\n([A-Za-z0-9_-]{1,255})\r\n')


class Idempotency:
    """The middleware: claim the key, replay a kept answer, or run the request and keep it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] in NOT_KEPT:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        body = await _read_body(receive)
        is_api = scope["path"].startswith(API_PREFIX)
        key = headers.get(HEADER) if is_api else _form_token(headers, body)
        if key is None:
            await self.app(scope, _replay(body), send)
            return
        records: Records = scope["app"].state.records
        owner = await run_in_threadpool(_owner, records, headers, is_api)
        fingerprint = _fingerprint(scope, headers, body) if is_api else None
        try:
            answer = await _claim(records, owner, key, fingerprint, wait=not is_api)
        except InputError as error:
            await input_error_response(error)(scope, receive, send)
            return
        except idempotency.StillHandled as busy:
            await JSONResponse({"detail": str(busy)}, status_code=409)(scope, receive, send)
            return
        if answer is not None:
            await _replayed(answer, headers)(scope, receive, send)
            return
        await self._first(scope, body, send, records, owner, key, is_api)

    async def _first(
        self,
        scope: Scope,
        body: bytes,
        send: Send,
        records: Records,
        owner: str,
        key: str,
        is_api: bool,
    ) -> None:
        """Run the request that claimed the key; keep its answer if it succeeded."""
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, _replay(body), capture)
        except BaseException:
            await run_in_threadpool(idempotency.release, records, owner, key)
            raise
        answer = _answer(started, b"".join(chunks), is_api)
        if answer is None:
            await run_in_threadpool(idempotency.release, records, owner, key)
        else:
            await run_in_threadpool(idempotency.complete, records, owner, key, answer)


async def _claim(
    records: Records, owner: str, key: str, fingerprint: str | None, wait: bool
) -> idempotency.Answer | None:
    """Claim the key; a page waits (briefly) for a first submit still being saved."""
    deadline = asyncio.get_running_loop().time() + (PAGE_WAIT_SECONDS if wait else 0)
    while True:
        try:
            return await run_in_threadpool(
                idempotency.claim,
                records,
                owner,
                key,
                fingerprint,
                HEADER if fingerprint else FORM_FIELD,
            )
        except idempotency.StillHandled:
            if asyncio.get_running_loop().time() >= deadline:
                raise
            await asyncio.sleep(0.1)


def _answer(started: dict[str, Any], body: bytes, is_api: bool) -> idempotency.Answer | None:
    """What to keep: an API success with its body; a page save's redirect target."""
    status = int(started.get("status", 500))
    headers = Headers(raw=started.get("headers", []))
    if is_api:
        if 200 <= status < 300:
            return idempotency.Answer(status, headers.get("content-type"), None, body)
        return None
    location = headers.get("location") if status == 303 else headers.get("hx-redirect")
    return idempotency.Answer(status, None, location, b"") if location else None


def _replayed(answer: idempotency.Answer, headers: Headers) -> Response:
    if answer.location is None:
        return Response(
            answer.body,
            status_code=answer.status_code,
            media_type=answer.content_type,
            headers={"Idempotent-Replayed": "true"},
        )
    again = _with_query(answer.location, saved="again")
    if headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": again})
    return RedirectResponse(again, status_code=303)


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = {**parse_qs(parts.query), **{name: [value] for name, value in params.items()}}
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


def _owner(records: Records, headers: Headers, is_api: bool) -> str:
    """Whose key this is: the signed-in user (by bearer token or session cookie), or nobody."""
    if is_api:
        scheme, _, token = (headers.get("authorization") or "").partition(" ")
        token = token if scheme.lower() == "bearer" else ""
    else:
        token = _cookie(headers.get("cookie") or "", SESSION_COOKIE)
    try:
        user_id = actor_for_token(records, token).user_id if token else None
    except Unauthenticated:
        user_id = None
    return f"{'api' if is_api else 'page'}:{user_id if user_id is not None else 'anonymous'}"


def _cookie(header: str, name: str) -> str:
    for part in header.split(";"):
        found, _, value = part.strip().partition("=")
        if found == name:
            return value
    return ""


def _fingerprint(scope: Scope, headers: Headers, body: bytes) -> str:
    """The request's identity: path, query and body (a multipart boundary does not count)."""
    boundary = re.search(r"boundary=([^;]+)", headers.get("content-type") or "")
    if boundary:
        body = body.replace(boundary.group(1).strip('"').encode(), b"-")
    digest = hashlib.sha256()
    for part in (scope["path"].encode(), scope.get("query_string", b""), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _form_token(headers: Headers, body: bytes) -> str | None:
    content_type = headers.get("content-type") or ""
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1")).get(FORM_FIELD)
        return values[0] if values else None
    if content_type.startswith("multipart/form-data"):
        found = _MULTIPART_TOKEN.search(body)
        return found.group(1).decode() if found else None
    return None


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Callable[[], Awaitable[Message]]:
    """A `receive` that hands the app the body already read, then waits as a client would."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    return receive
