"""Fixtures for the interop tests: the records and the world of tests/interop_world.py."""

from __future__ import annotations

import pytest
from tests.interop_world import World, build_world

from microneedling.config import Settings
from microneedling.services.common import Records


@pytest.fixture
def records(settings: Settings) -> Records:
    return Records.open(settings)


@pytest.fixture
def world(records: Records) -> World:
    return build_world(records)
