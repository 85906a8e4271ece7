"""Typed dependencies, so routes read like sentences: `records: RecordsDep, actor: ActorDep`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from microneedling.services.access import Actor
from microneedling.services.common import Records
from microneedling.services.users import actor_for_token

TOKEN_URL = "/api/v1/auth/token"
bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL)


async def get_records(request: Request) -> Records:
    """Async on purpose: a plain function dependency would be run on a worker thread."""
    records: Records = request.app.state.records
    return records


RecordsDep = Annotated[Records, Depends(get_records)]


def client_address(request: Request) -> str:
    """The peer's address, for the per-address log-in limit. Behind a reverse proxy, run the
    server with `--proxy-headers` so this is the client's address rather than the proxy's."""
    return request.client.host if request.client else "unknown"


async def get_actor(records: RecordsDep, token: Annotated[str, Depends(bearer)]) -> Actor:
    """The caller, looked up on every request (one indexed read by primary key).

    It runs on the event loop rather than hopping to a worker thread: the read takes well under
    a millisecond, and the hop would cost more than the read."""
    return actor_for_token(records, token)


ActorDep = Annotated[Actor, Depends(get_actor)]
