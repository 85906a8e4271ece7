"""Log in with the OAuth2 password flow (`username` is the e-mail) and see who you are."""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from starlette.concurrency import run_in_threadpool

from microneedling.services import users
from microneedling.services.users import Token, UserOut
from microneedling.web.deps import ActorDep, RecordsDep, client_address
from microneedling.web.errors import TOO_MANY_ATTEMPTS

router = APIRouter(tags=["auth"])


@router.post("/auth/token", responses=TOO_MANY_ATTEMPTS)
async def token(
    request: Request, records: RecordsDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    """Exchange an e-mail and password for a bearer token (rate limited per e-mail and per
    client address)."""
    return await run_in_threadpool(
        functools.partial(users.log_in, address=client_address(request)),
        records,
        form.username,
        form.password,
    )


@router.post("/auth/logout", status_code=204)
def log_out(records: RecordsDep, actor: ActorDep) -> Response:
    """End every session of the caller: all their tokens stop working."""
    users.log_out(records, actor)
    return Response(status_code=204)


@router.get("/me")
def me(records: RecordsDep, actor: ActorDep) -> UserOut:
    return users.get_me(records, actor)


@router.post("/me/password", status_code=204)
def change_password(
    records: RecordsDep,
    actor: ActorDep,
    body: Annotated[
        users.PasswordChange,
        Body(examples=[{"current_password": "old one", "new_password": "a new long one"}]),
    ],
) -> Response:
    """Change your own password; your tokens stop working, so log in again."""
    users.change_own_password(records, actor, body)
    return Response(status_code=204)
