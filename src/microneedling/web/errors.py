"""Every refusal is answered once, here, in one of two formats chosen in one place: JSON under
`/api/`, an HTML page everywhere else (datasette's one handler, two formats).

One table maps each kind of refusal to its status, for the API and the pages alike: bad input
422 with the field path and what is allowed, then 401, 403, 404, 409 (with the departures of a
session that departs from its plan), 429 and 503 from the services' errors. A page that needs a
log-in redirects to it; a page whose path names no record (a bad id) is a 404 page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from microneedling.errors import InputError, from_error_items
from microneedling.services.errors import (
    Conflict,
    DeparturesFound,
    DocumentsUnavailable,
    Forbidden,
    NotFound,
    ServiceError,
    TooManyAttempts,
    Unauthenticated,
)
from microneedling.web.pages.common import CsrfRefused, LoginRequired, redirect, render

API_PREFIX = "/api/"

# Each refusal's status, the first type that matches winning (a subclass before its base). A
# service error of a kind not listed is a refusal of the action as things stand: 409.
STATUS_BY_ERROR: tuple[tuple[type[Exception], int], ...] = (
    (InputError, 422),
    (Unauthenticated, 401),
    (LoginRequired, 401),
    (CsrfRefused, 403),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (TooManyAttempts, 429),
    (DocumentsUnavailable, 503),
    (ServiceError, 409),
)
# The errors answered here (HTTPException: no such route, a method it does not take, a body over
# its limit); anything else is a bug (500).
HANDLED: tuple[type[Exception], ...] = (
    ServiceError,
    InputError,
    RequestValidationError,
    LoginRequired,
    CsrfRefused,
    HTTPException,
)


def status_of(error: Exception) -> int:
    """The status a refusal answers, from the one table."""
    return next(status for kind, status in STATUS_BY_ERROR if isinstance(error, kind))


@dataclass(frozen=True)
class Refusal:
    """A refusal as both formats render it: its status, the JSON body, the message a page shows
    and the headers either answer carries."""

    status: int
    body: dict[str, Any]
    message: str
    headers: dict[str, str] = field(default_factory=dict)


def refusal_of(error: Exception) -> Refusal:
    """The one reading of a refusal that the JSON answer and the page share."""
    if isinstance(error, InputError):
        detail = [
            {"field": problem.field, "msg": problem.message, "allowed": list(problem.allowed)}
            for problem in error.problems
        ]
        return Refusal(422, {"detail": detail}, str(error))
    headers = {}
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, TooManyAttempts):
        headers["Retry-After"] = str(error.retry_after_seconds)
    body: dict[str, Any] = {"detail": str(error)}
    if isinstance(error, ServiceError):
        if error.code is not None:
            body["code"] = error.code
        body.update(error.extra())
    if isinstance(error, DeparturesFound):
        body["departures"] = error.listed()
    return Refusal(status_of(error), body, str(error), headers)


class ErrorOut(BaseModel):
    """A refusal: what went wrong and what to do (and, for some, a code naming the kind)."""

    detail: str
    code: str | None = None


class FieldProblemOut(BaseModel):
    field: str
    msg: str
    allowed: list[str]


class InputErrorOut(BaseModel):
    """Bad input: each field by its path, what is wrong, and what would be accepted."""

    detail: list[FieldProblemOut]


def _refusal(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


# What any API operation may answer besides its success, as the OpenAPI schema documents it.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _refusal("The body could not be parsed (not UTF-8, or not JSON)"),
    401: _refusal("No valid token"),
    403: _refusal("The role does not allow this"),
    404: _refusal("Not found in your clinic"),
    409: _refusal("The record changed meanwhile, or the action no longer applies"),
    413: _refusal("The request body is over the size limit"),
    422: {"model": InputErrorOut, "description": "Bad input, each problem with its field"},
}
TOO_MANY_ATTEMPTS: dict[int | str, dict[str, Any]] = {
    429: _refusal("Too many failed log-ins; the Retry-After header says when to try again")
}


def input_error_response(error: InputError) -> JSONResponse:
    return json_answer(refusal_of(error))


def json_answer(refusal: Refusal) -> JSONResponse:
    return JSONResponse(refusal.body, status_code=refusal.status, headers=refusal.headers)


def page_answer(request: Request, error: Exception) -> Response:
    """The refusal as a page: the log-in form for a page that needs one, a 404 page for a path
    that names no record, else the error page with the table's status."""
    if isinstance(error, LoginRequired):
        return redirect(request, f"/login?next={request.url.path}")
    no_page = f"there is no page at {request.url.path}"
    if isinstance(error, RequestValidationError) and all(
        problem["loc"][0] == "path" for problem in error.errors()
    ):
        refusal = Refusal(404, {"detail": no_page}, no_page)
    elif isinstance(error, HTTPException):
        message = no_page if error.status_code == 404 else str(error.detail)
        refusal = Refusal(
            error.status_code, {"detail": message}, message, dict(error.headers or {})
        )
    else:
        refusal = refusal_of(_as_input_error(error))
    context = {"message": refusal.message, "status": refusal.status}
    page = render(request, "error.html", context, status_code=refusal.status)
    page.headers.update(refusal.headers)
    return page


def _as_input_error(error: Exception) -> Exception:
    """FastAPI's validation error as the project's `InputError`, its "body"/"query"/"path"
    location part left out."""
    if isinstance(error, RequestValidationError):
        return from_error_items(error.errors(), skip=1)
    return error


async def answer(request: Request, error: Exception) -> Response:
    """The one place that chooses the format: JSON under `/api/`, a page elsewhere."""
    if request.url.path.startswith(API_PREFIX):
        if isinstance(error, HTTPException):
            return await http_exception_handler(request, error)
        return json_answer(refusal_of(_as_input_error(error)))
    return page_answer(request, error)


def install(app: FastAPI) -> None:
    for kind in HANDLED:
        app.add_exception_handler(kind, answer)
