"""Fixtures for the interop tests: the records and the world of tests/interop_world.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


TOOL = Path(__file__).parents[2] / "tools" / "fhir-validator"
IN_CI = os.environ.get("CI", "").lower() == "true"


def node_tool(script: str, package: str) -> list[str]:
    """The command that runs one of tools/fhir-validator's scripts; the test skips locally (and
    fails in CI) without Node.js or the tool's packages (`make test` installs them)."""
    node = shutil.which("node")
    reason = None
    if node is None:
        reason = "Node.js is not installed"
    elif not (TOOL / "node_modules" / package).is_dir():
        reason = f"{package} is not installed (make test runs npm ci in tools/fhir-validator)"
    if reason is not None:
        if IN_CI:
            pytest.fail(f"the independent FHIR validator is required in CI: {reason}")
        pytest.skip(reason)
    return [str(node), str(TOOL / script)]


def run_node_tool(command: list[str], paths: Sequence[Path]) -> tuple[int, list[dict[str, Any]]]:
    """Run a tool on files in one process: its exit status and its report per file."""
    done = subprocess.run(
        [*command, *map(str, paths)], capture_output=True, text=True, timeout=120, check=False
    )
    reports: list[dict[str, Any]] = json.loads(done.stdout)
    return done.returncode, reports
