"""Shared builders for plan requests."""

from __future__ import annotations

import copy
from typing import Any

import pytest

BASE_REQUEST: dict[str, Any] = {
    "setting": "clinic",
    "device": {"type": "pen"},
    "client": {"age_years": 34, "fitzpatrick": 2},
    "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks"]}],
    "as_of": "2026-11-22",
}


def make_request(**changes: Any) -> dict[str, Any]:
    """A valid request with top-level keys replaced and `client` keys merged."""
    request = copy.deepcopy(BASE_REQUEST)
    client = changes.pop("client", {})
    request.update(changes)
    request["client"].update(client)
    return request


@pytest.fixture
def request_data() -> dict[str, Any]:
    return make_request()
