"""The clinic's details page: owners set the address and phone that handouts print."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.errors import InputError
from microneedling.services import clinics
from microneedling.web.pages.common import (
    FormDep,
    PageActorDep,
    RecordsDep,
    form_errors,
    redirect,
    render,
    text,
)

router = APIRouter()
FIELDS = ("address", "phone")


@router.get("/clinic")
def clinic_page(request: Request, records: RecordsDep, actor: PageActorDep) -> Response:
    clinic = clinics.clinic_details(records, actor)
    form = {"address": clinic.address or "", "phone": clinic.phone or ""}
    return render(request, "clinic.html", {"clinic": clinic, "form": form, "errors": None})


@router.post("/clinic")
def change_clinic(
    request: Request, records: RecordsDep, actor: PageActorDep, form: FormDep
) -> Response:
    data = {name: text(form, name) for name in FIELDS}
    try:
        clinics.update_clinic(records, actor, data)
    except InputError as error:
        context = {
            "clinic": clinics.clinic_details(records, actor),
            "form": {name: form.get(name) or "" for name in FIELDS},
            "errors": form_errors(error, known=set(FIELDS)),
        }
        return render(request, "clinic.html", context, status_code=422)
    return redirect(request, "/clinic?saved=1")
