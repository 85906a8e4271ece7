"""The JSON API, version 1: thin routes, each parsing input and calling one service."""

from __future__ import annotations

from fastapi import APIRouter

from microneedling.web.api import (
    admin,
    auth,
    clients,
    clinical,
    diary,
    documents,
    interop,
    products,
)
from microneedling.web.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
for module in (auth, clients, clinical, documents, products, diary, admin, interop):
    router.include_router(module.router)
