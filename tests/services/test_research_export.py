"""The research export: pseudonymous rows of sessions and scores with a data dictionary, no
names or dates, current versions only."""

from __future__ import annotations

import csv
import io
import json

import pytest
from tests.interop_world import World, build_world

from microneedling.config import Settings
from microneedling.services.access import Actor
from microneedling.services.common import Records
from microneedling.services.errors import Forbidden
from microneedling.services.research_export import (
    DATA_DICTIONARY,
    columns,
    research_export,
    research_tables,
    subject_code,
)


@pytest.fixture
def world(settings: Settings) -> World:
    return build_world(Records.open(settings))


def test_sessions_have_a_row_per_zone_and_days_since_the_first_session(world: World) -> None:
    tables = research_tables(world.records, world.clinician)
    sessions = tables["sessions"]
    assert [(row["session"], row["day"], row["needle_mm"]) for row in sessions] == [
        (1, 0, 0.5),
        (2, 28, 1.0),
    ]
    first = sessions[0]
    assert first["age_years"] == 31
    assert first["phototype"] == 2
    assert first["adverse_events"] == "erythema:mild"
    secret = world.records.settings.secret_key.get_secret_value()
    assert first["subject"] == subject_code(secret, world.owner.clinic_id, world.client_id)


def test_scores_are_current_versions_only_and_name_no_one(world: World) -> None:
    scores = research_tables(world.records, world.clinician)["scores"]
    assert [(s["instrument"], s["day"], s["session"]) for s in scores] == [
        ("ecca", 0, 1),
        ("ita", 28, None),
    ]
    text = json.dumps(research_export(world.records, world.clinician, "json"))
    for personal in ("Amelia", "Hart", "1994", "amelia@example.org", "2026-01-05", "LOT-4411"):
        assert personal not in text


def test_csv_files_follow_the_data_dictionary(world: World) -> None:
    files = research_export(world.records, world.clinician, "csv")
    assert set(files) == {"sessions.csv", "scores.csv", "data_dictionary.csv"}
    for table in ("sessions", "scores"):
        header = next(csv.reader(io.StringIO(files[f"{table}.csv"])))
        assert header == columns(table)
    dictionary = list(csv.DictReader(io.StringIO(files["data_dictionary.csv"])))
    assert len(dictionary) == len(DATA_DICTIONARY)


def test_only_roles_that_may_export_get_research_data(world: World) -> None:
    with pytest.raises(Forbidden):
        research_tables(world.records, Actor(world.owner.clinic_id, "assistant"))
