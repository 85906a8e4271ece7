"""`microneedling lots recall LOT` as a clinic runs it, on SQLite and PostgreSQL: every session
and client that used the lot with their contact details, exit 0 and an empty list when none,
exit 2 for bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.cli.test_records_cli import run
from tests.services.test_lots import lot, session_with
from tests.world import World, new_client

from microneedling.services.clinical_records import record
from microneedling.services.treatment_sessions import SESSION


@pytest.fixture
def env(world: World, settings_dir: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "MICRONEEDLING_ENVIRONMENT": "development",
        "MICRONEEDLING_DATA_DIR": str(settings_dir),
        "MICRONEEDLING_DATABASE_URL": database_url,
    }


@pytest.fixture
def settings_dir(tmp_path: Path) -> Path:
    return tmp_path / "cli-data"


def test_recall_lists_every_session_and_client_with_contacts(
    world: World, env: dict[str, str]
) -> None:
    used = lot(world, "CLI-7")
    first = session_with(world, [used.id])
    client = new_client(world, "Cy", "Ro", phone="+44 20 7946 0002")
    second = record(
        world.records,
        world.clinician,
        SESSION,
        client.id,
        {
            "performed_on": first.performed_on.isoformat(),
            "device": "pen",
            "single_use": True,
            "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
            "lot_ids": [used.id],
            "confirm_departures": True,
            "departure_reason": "test spot before the plan",
        },
    )
    listed = run(env, "lots", "recall", "CLI-7", "--clinic", "Clinic A", "--json")
    assert listed.returncode == 0, listed.stderr
    body = json.loads(listed.stdout)
    assert [s["session_id"] for s in body["sessions"]] == [first.id, second.id]
    assert body["sessions"][1]["phone"] == "+44 20 7946 0002"
    text = run(env, "lots", "recall", "CLI-7", "--clinic", "Clinic A")
    assert text.returncode == 0, text.stderr
    assert "Cy Ro" in text.stdout and "+44 20 7946 0002" in text.stdout
    assert "2 sessions used lot CLI-7." in text.stdout


def test_recall_of_a_lot_no_session_used_is_an_empty_list(
    world: World, env: dict[str, str]
) -> None:
    listed = run(env, "lots", "recall", "NEVER-USED", "--clinic", "Clinic A", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["sessions"] == []
    text = run(env, "lots", "recall", "NEVER-USED", "--clinic", "Clinic A")
    assert (text.returncode, text.stdout.strip()) == (0, "0 sessions used lot NEVER-USED.")


def test_recall_input_errors_exit_2_naming_the_problem(world: World, env: dict[str, str]) -> None:
    no_clinic = run(env, "lots", "recall", "X")
    assert no_clinic.returncode == 2
    assert "--clinic" in no_clinic.stderr and "Traceback" not in no_clinic.stderr
    blank = run(env, "lots", "recall", " ", "--clinic", "Clinic A")
    assert blank.returncode == 2
    assert "number" in blank.stderr and "Traceback" not in blank.stderr
    missing = run(env, "lots", "recall", "--clinic", "Clinic A")
    assert missing.returncode == 2
