"""Fixtures for the interop tests: the records and the world of tests/interop_world.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.interop_world import World, build_world

from microneedling.config import Settings
from microneedling.records.database import engine_for, upgrade
from microneedling.services import users
from microneedling.services.access import Actor
from microneedling.services.common import Records


@pytest.fixture
def records(settings: Settings) -> Records:
    return Records.open(settings)


@pytest.fixture
def world(records: Records) -> World:
    return build_world(records)


@dataclass(frozen=True)
class Installation:
    """A second, fresh installation with a clinic and its owner: where a bundle goes."""

    records: Records
    owner: Actor


@pytest.fixture
def second_installation(settings: Settings, tmp_path: Path) -> Installation:
    other = settings.model_copy(
        update={
            "database_url": f"sqlite:///{tmp_path / 'second.db'}",
            "data_dir": tmp_path / "second",
        }
    )
    upgrade(engine_for(other))
    records = Records.open(other)
    owner = users.create_user(
        records,
        None,
        {
            "email": "owner@elsewhere.example",
            "full_name": "Esme Elsewhere",
            "role": "owner",
            "password": "a-long-elsewhere-password",
        },
        clinic_name="Elsewhere Clinic",
    )
    return Installation(records, Actor(owner.clinic_id, "owner", owner.id))
