"""The clinic's pages (Jinja2 + HTMX) and the public home check: one module per page group.

Every form works without JavaScript; HTMX only swaps fragments that the same views render.
"""

from __future__ import annotations

import inspect

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm.exc import StaleDataError

from microneedling.errors import InputError
from microneedling.records.models import AppendOnlyError
from microneedling.services.errors import ServiceError
from microneedling.web.pages import (
    audit,
    auth,
    client_pages,
    handout,
    home_check,
    intake,
    photo_pages,
    plan_pages,
    record_pages,
    score_pages,
    session_pages,
    unsubscribe,
    user_pages,
)
from microneedling.web.pages.common import TEMPLATES, CsrfRefused, LoginRequired, redirect, render

router = APIRouter(include_in_schema=False)
for module in (
    auth,
    client_pages,
    intake,
    plan_pages,
    session_pages,
    score_pages,
    photo_pages,
    handout,
    record_pages,
    audit,
    user_pages,
    home_check,
    unsubscribe,
):
    router.include_router(module.router)

STATUS_BY_NAME = {
    "Unauthenticated": 401,
    "CsrfRefused": 403,
    "Forbidden": 403,
    "NotFound": 404,
    "Conflict": 409,
    "TooManyAttempts": 429,
}


def install(app: FastAPI) -> None:
    """Mount the static files and the pages; errors on pages answer HTML, on the API JSON."""
    app.mount("/static", StaticFiles(directory=TEMPLATES.parent / "static"), name="static")
    app.include_router(router)
    for kind in (ServiceError, InputError, StaleDataError, AppendOnlyError):
        _html_for_pages(app, kind)


def _html_for_pages(app: FastAPI, kind: type[Exception]) -> None:
    api_handler = app.exception_handlers.get(kind)

    async def handler(request: Request, error: Exception) -> Response:
        if request.url.path.startswith("/api/") and api_handler is not None:
            answer = api_handler(request, error)
            return await answer if inspect.isawaitable(answer) else answer
        return error_page(request, error)

    app.add_exception_handler(kind, handler)


def error_page(request: Request, error: Exception) -> Response:
    if isinstance(error, LoginRequired):
        return redirect(request, f"/login?next={request.url.path}")
    status = STATUS_BY_NAME.get(type(error).__name__, 409)
    if isinstance(error, InputError):
        status = 422
    message = str(error)
    if isinstance(error, StaleDataError):
        message = "the record was changed by someone else meanwhile; reload it and try again"
    if isinstance(error, CsrfRefused):
        status = 403
    response: HTMLResponse = render(
        request, "error.html", {"message": message, "status": status}, status_code=status
    )
    return response
