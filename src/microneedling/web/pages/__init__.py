"""The clinic's pages (Jinja2 + HTMX) and the public home check: one module per page group.

Every form works without JavaScript; HTMX only swaps fragments that the same views render.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from microneedling.web.pages import (
    audit,
    auth,
    client_pages,
    clinic_pages,
    consent_pages,
    diary_pages,
    document_pages,
    handout,
    home_check,
    intake,
    photo_pages,
    plan_pages,
    product_pages,
    record_pages,
    score_pages,
    session_pages,
    unsubscribe,
    user_pages,
)
from microneedling.web.pages.common import TEMPLATES

router = APIRouter(include_in_schema=False)
for module in (
    auth,
    client_pages,
    diary_pages,
    intake,
    plan_pages,
    session_pages,
    score_pages,
    photo_pages,
    handout,
    consent_pages,
    document_pages,
    record_pages,
    product_pages,
    audit,
    user_pages,
    clinic_pages,
    home_check,
    unsubscribe,
):
    router.include_router(module.router)


def install(app: FastAPI) -> None:
    """Mount the static files and the pages (their errors are answered as pages by
    `web.errors`, which tells a page from the API)."""
    app.mount("/static", StaticFiles(directory=TEMPLATES.parent / "static"), name="static")
    app.include_router(router)
