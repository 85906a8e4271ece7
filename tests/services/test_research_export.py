"""The research export: pseudonymous rows of sessions and scores with a data dictionary, no
names or dates, current versions only."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest
from pydantic import SecretStr
from tests.interop_world import World, build_world

from microneedling.config import PLACEHOLDER_SECRET, Settings, generated_secret
from microneedling.services.access import Actor
from microneedling.services.clinical_records import record
from microneedling.services.common import Records
from microneedling.services.errors import Forbidden
from microneedling.services.exports import formula_safe
from microneedling.services.research_export import (
    DATA_DICTIONARY,
    DefaultKeyRefused,
    adverse_event_code,
    age_band,
    columns,
    pseudonym_key,
    research_export,
    research_tables,
    smallest_group,
    subject_code,
)
from microneedling.services.treatment_sessions import SESSION


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
    assert first["age_band"] == "30-34", "born 1994-03-14, 31 on 2026-01-05"
    assert first["phototype"] == 2
    assert first["adverse_events"] == "erythema:mild"
    key = pseudonym_key(world.records.settings.signing_key)
    assert first["subject"] == subject_code(key, world.owner.clinic_id, world.client_id)


def test_scores_are_current_versions_only_and_name_no_one(world: World) -> None:
    scores = research_tables(world.records, world.clinician)["scores"]
    assert [(s["instrument"], s["day"], s["session"]) for s in scores] == [
        ("ecca", 0, 1),
        ("ita", 28, None),
    ]
    text = json.dumps(research_export(world.records, world.clinician, "json").files)
    for personal in ("Amelia", "Hart", "1994", "amelia@example.org", "2026-01-05", "LOT-4411"):
        assert personal not in text


def test_csv_files_follow_the_data_dictionary(world: World) -> None:
    files = research_export(world.records, world.clinician, "csv").files
    assert set(files) == {"sessions.csv", "scores.csv", "data_dictionary.csv"}
    for table in ("sessions", "scores"):
        header = next(csv.reader(io.StringIO(files[f"{table}.csv"])))
        assert header == columns(table)
    dictionary = list(csv.DictReader(io.StringIO(files["data_dictionary.csv"])))
    assert len(dictionary) == len(DATA_DICTIONARY)


def test_only_roles_that_may_export_get_research_data(world: World) -> None:
    with pytest.raises(Forbidden):
        research_tables(world.records, Actor(world.owner.clinic_id, "assistant"))


def _session_with_events(world: World, *events: dict[str, str]) -> None:
    record(
        world.records,
        world.clinician,
        SESSION,
        world.client_id,
        {
            "plan_id": world.ids["plan"],
            "performed_on": "2026-03-02",
            "device": "pen",
            "single_use": True,
            "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
            "adverse_events": list(events),
        },
    )


def test_adverse_events_leave_as_codes_and_severity_never_as_free_text(world: World) -> None:
    leak = "Amelia Hart, born 1994-03-14, amelia@example.org; called: =HYPERLINK(1)"
    _session_with_events(
        world,
        {"event": leak, "severity": "moderate"},
        {"event": "Swelling", "severity": "mild"},
        {"event": "pinpoint bleeding", "severity": "mild"},
    )
    rows = research_tables(world.records, world.clinician)["sessions"]
    assert rows[-1]["adverse_events"] == "other:moderate;oedema:mild;pinpoint_bleeding:mild"
    for export_format in ("csv", "json"):
        text = json.dumps(research_export(world.records, world.clinician, export_format).files)
        for personal in ("Amelia", "Hart", "1994", "amelia@example.org", "HYPERLINK", "called"):
            assert personal not in text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("erythema", "erythema"),
        ("Redness", "erythema"),
        ("Oedema (swelling)", "oedema"),
        ("tram track marks", "tram_track_marks"),
        ("redness and a rash on her cheek", "other"),
    ],
)
def test_adverse_event_text_maps_to_the_vocabulary_or_other(text: str, code: str) -> None:
    assert adverse_event_code(text) == code


@pytest.mark.parametrize(
    ("age", "band"), [(0, "0-4"), (18, "15-19"), (30, "30-34"), (34, "30-34"), (35, "35-39")]
)
def test_ages_leave_in_5_year_bands(age: int, band: str) -> None:
    assert age_band(age) == band


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("erythema:mild", "erythema:mild"),
        (-12.5, -12.5),
    ],
)
def test_cells_a_spreadsheet_would_run_are_quoted(value: object, safe: object) -> None:
    assert formula_safe(value) == safe


def test_every_research_csv_cell_is_formula_safe(world: World) -> None:
    files = research_export(world.records, world.clinician, "csv").files
    for text in files.values():
        for row in csv.reader(io.StringIO(text)):
            assert not [cell for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_the_pseudonym_key_is_derived_under_its_own_label_and_never_a_default(
    world: World,
) -> None:
    signing_key = world.records.settings.signing_key
    key = pseudonym_key(signing_key)
    assert key != signing_key.encode()
    assert subject_code(key, 1, 1) != subject_code(signing_key.encode(), 1, 1)
    for default in ("", PLACEHOLDER_SECRET):
        with pytest.raises(DefaultKeyRefused, match="MICRONEEDLING_SECRET_KEY"):
            pseudonym_key(default)


def test_in_development_the_pseudonyms_use_the_generated_secret_not_the_placeholder(
    world: World,
) -> None:
    settings = world.records.settings.model_copy(
        update={"environment": "development", "secret_key": SecretStr(PLACEHOLDER_SECRET)}
    )
    records = dataclasses.replace(world.records, settings=settings)
    generated = pseudonym_key(generated_secret(settings.data_dir))  # made at set-up
    (row, *_) = research_tables(records, world.clinician)["sessions"]
    assert row["subject"] == subject_code(generated, world.owner.clinic_id, world.client_id)
    placeholder = PLACEHOLDER_SECRET.encode()
    assert row["subject"] != subject_code(placeholder, world.owner.clinic_id, world.client_id)


def test_the_smallest_group_on_age_band_sex_and_phototype_is_reported(world: World) -> None:
    export = research_export(world.records, world.clinician, "json")
    assert export.smallest_group == 1
    assert export.warning is not None and "below k = 5" in export.warning
    document = json.loads(export.files["research.json"])
    assert document["smallest_group"] == {"on": ["age_band", "sex", "phototype"], "subjects": 1}


def test_the_smallest_group_counts_subjects_not_rows() -> None:
    rows = [
        {"subject": f"S-{i % 6}", "age_band": "30-34", "sex": "female", "phototype": 2}
        for i in range(12)
    ] + [{"subject": "S-x", "age_band": "60-64", "sex": "male", "phototype": 5}] * 3
    assert smallest_group(rows) == 1
    assert smallest_group(rows[:12]) == 6
    assert smallest_group([]) is None
