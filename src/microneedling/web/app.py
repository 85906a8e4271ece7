"""The ASGI application: `create_app()` builds it from settings (uvicorn's factory)."""

from __future__ import annotations

from fastapi import FastAPI

from microneedling import __version__
from microneedling.config import Settings, load_settings
from microneedling.services.clock import Clock
from microneedling.services.common import Records
from microneedling.web import errors, pages, security
from microneedling.web.api import router as api_router
from microneedling.web.idempotency import Idempotency


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """One app per settings: the records it serves live in `app.state`, nowhere global;
    `clock` fixes the time (tests), else the system clock in the clinic's time zone."""
    settings = settings or load_settings()
    app = FastAPI(
        title="microneedling",
        version=__version__,
        summary="Evidence-graded microneedling planning and clinic records",
        docs_url=None,
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
    )
    app.state.records = Records.open(settings, clock)
    app.add_middleware(Idempotency)
    security.install(app, settings, docs_url="/api/docs")
    errors.install(app)
    app.include_router(api_router)
    pages.install(app)
    return app
