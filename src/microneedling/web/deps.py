"""Typed dependencies, so routes read like sentences: `records: RecordsDep, actor: ActorDep`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from starlette.concurrency import run_in_threadpool

from microneedling.services.access import Actor
from microneedling.services.common import Records
from microneedling.services.users import actor_for_token

TOKEN_URL = "/api/v1/auth/token"
bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL)


def get_records(request: Request) -> Records:
    records: Records = request.app.state.records
    return records


RecordsDep = Annotated[Records, Depends(get_records)]


async def get_actor(records: RecordsDep, token: Annotated[str, Depends(bearer)]) -> Actor:
    return await run_in_threadpool(actor_for_token, records, token)


ActorDep = Annotated[Actor, Depends(get_actor)]
