"""Users: owners change a colleague's role, deactivate or reactivate them, or reset their
password; everyone changes their own password. Each change ends that user's sessions."""

from __future__ import annotations

from typing import get_args

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.errors import InputError
from microneedling.services import users
from microneedling.services.access import Role
from microneedling.services.errors import Conflict
from microneedling.web.pages.common import (
    FormDep,
    FormErrors,
    PageActorDep,
    RecordsDep,
    form_errors,
    redirect,
    render,
    text,
)

router = APIRouter()
ROLES = [(role, role.replace("_", " ")) for role in get_args(Role)]


def _users_page(
    request: Request, records: RecordsDep, actor: PageActorDep, **extra: object
) -> Response:
    context = {"users": users.list_users(records, actor), "roles": ROLES, "errors": None, **extra}
    status = 422 if extra.get("errors") else 200
    return render(request, "users.html", context, status_code=status)


@router.get("/users")
def users_page(request: Request, records: RecordsDep, actor: PageActorDep) -> Response:
    return _users_page(request, records, actor)


@router.post("/users/{user_id}")
def change_user(
    request: Request, records: RecordsDep, actor: PageActorDep, user_id: int, form: FormDep
) -> Response:
    data: dict[str, object] = {
        "version": text(form, "version"),
        "role": text(form, "role"),
        "active": form.get("active") == "true",
    }
    if text(form, "password"):
        data["password"] = text(form, "password")
    try:
        users.update_user(records, actor, user_id, data)
    except InputError as error:
        errors = form_errors(error, known={"role", "password", "version"})
    except Conflict as error:
        errors = FormErrors(general=[str(error)])
    else:
        return redirect(request, "/users")
    return _users_page(request, records, actor, errors=errors, changing=user_id)


@router.get("/account/password")
def password_form(request: Request, actor: PageActorDep) -> Response:
    return render(request, "password.html", {"errors": None, "form": {}})


@router.post("/account/password")
def change_password(
    request: Request, records: RecordsDep, actor: PageActorDep, form: FormDep
) -> Response:
    data = {
        "current_password": str(form.get("current_password") or ""),
        "new_password": str(form.get("new_password") or ""),
    }
    try:
        users.change_own_password(records, actor, data)
    except InputError as error:
        errors = form_errors(error, known=set(data))
        return render(request, "password.html", {"errors": errors, "form": {}}, status_code=422)
    return redirect(request, "/login")
