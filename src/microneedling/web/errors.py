"""Every refusal becomes JSON once, here: bad input 422 with the field path and what is
allowed, then 401, 403, 404, 409 (with the departures of a session that departs from its plan)
and 429 from the services' errors."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm.exc import StaleDataError

from microneedling.errors import InputError, from_error_items
from microneedling.records.models import AppendOnlyError
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

STATUS_BY_ERROR: tuple[tuple[type[Exception], int], ...] = (
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (TooManyAttempts, 429),
    (DocumentsUnavailable, 503),
)


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
    detail = [
        {"field": problem.field, "msg": problem.message, "allowed": list(problem.allowed)}
        for problem in error.problems
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def install(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    async def _input(_request: Request, error: InputError) -> JSONResponse:
        return input_error_response(error)

    @app.exception_handler(RequestValidationError)
    async def _request(_request: Request, error: RequestValidationError) -> JSONResponse:
        return input_error_response(from_error_items(error.errors(), skip=1))

    @app.exception_handler(ServiceError)
    async def _service(_request: Request, error: ServiceError) -> JSONResponse:
        status = next(code for kind, code in STATUS_BY_ERROR if isinstance(error, kind))
        headers = {}
        if isinstance(error, Unauthenticated):
            headers["WWW-Authenticate"] = "Bearer"
        if isinstance(error, TooManyAttempts):
            headers["Retry-After"] = str(error.retry_after_seconds)
        body: dict[str, object] = {"detail": str(error)}
        if error.code is not None:
            body["code"] = error.code
        body.update(error.extra())
        if isinstance(error, DeparturesFound):
            body["departures"] = error.listed()
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(StaleDataError)
    async def _stale(_request: Request, _error: StaleDataError) -> JSONResponse:
        message = "the record was changed by someone else meanwhile; reload it and try again"
        return JSONResponse({"detail": message}, status_code=409)

    @app.exception_handler(AppendOnlyError)
    async def _append_only(_request: Request, error: AppendOnlyError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=409)
