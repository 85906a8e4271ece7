"""Log in and out: the API's signed token kept in an HttpOnly cookie."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from microneedling.services import users
from microneedling.services.errors import TooManyAttempts, Unauthenticated
from microneedling.web.deps import client_address
from microneedling.web.pages.common import (
    FormDep,
    FormErrors,
    clear_session,
    optional_actor,
    redirect,
    render,
    set_session,
    text,
)

router = APIRouter()


def _safe_next(url: str | None) -> str:
    """Only a path on this site, never another host."""
    if not url or not url.startswith("/") or url.startswith("//") or urlsplit(url).netloc:
        return "/clients"
    return url


@router.get("/")
async def home(request: Request) -> Response:
    actor = await optional_actor(request)
    return redirect(request, "/clients" if actor else "/login")


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "form": {}, "errors": None})


@router.post("/login")
async def log_in(request: Request, form: FormDep) -> Response:
    email = text(form, "email") or ""
    password = str(form.get("password") or "")
    errors = FormErrors()
    if not email:
        errors.add("email", "enter your e-mail address")
    if not password:
        errors.add("password", "enter your password")
    token = None
    if not errors:
        try:
            token = await run_in_threadpool(
                functools.partial(users.log_in, address=client_address(request)),
                request.app.state.records,
                email,
                password,
            )
        except (Unauthenticated, TooManyAttempts) as error:
            errors.add("password", str(error))
    if token is None:
        context = {
            "next": _safe_next(text(form, "next")),
            "form": {"email": email},
            "errors": errors,
        }
        return render(request, "login.html", context, status_code=422)
    response = redirect(request, _safe_next(text(form, "next")))
    set_session(request, response, token.access_token)
    return response


@router.post("/logout")
async def log_out(request: Request, _form: FormDep) -> Response:
    actor = await optional_actor(request)
    if actor is not None:  # every token of this user stops working, not only this cookie
        await run_in_threadpool(users.log_out, request.app.state.records, actor)
    response = redirect(request, "/login")
    clear_session(response)
    return response
