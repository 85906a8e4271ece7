"""The ASGI application: `create_app()` builds it from settings; `served_app()` is what each
server process runs (uvicorn's factory)."""

from __future__ import annotations

import gc

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


# Young-generation threshold and older-generation ratios for a serving process. With Python's
# defaults (700, 10, 10) a full collection walked the whole heap every few requests and put
# 60–170 ms pauses into one request in twenty (a week view of 250 bookings: p50 25 ms, p95
# 163 ms); at these, a full collection is rare and the same p95 is 25 ms
# (benchmarks/appointments.py, docs/deployment.md).
SERVING_GC_THRESHOLDS = (50_000, 20, 100)


def settle_heap() -> None:
    """Keep the objects made at start-up (the knowledge base, templates, routes) out of every
    later collection, and collect the young generations less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)


def served_app() -> FastAPI:
    """The app as a server process runs it: settings from the environment, heap settled."""
    app = create_app()
    settle_heap()
    return app
