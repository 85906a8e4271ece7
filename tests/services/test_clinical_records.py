"""Intakes, plans, consents, sessions and scores through the services; amendments keep the
original; roles are enforced in the services themselves."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from tests.concurrency import at_once
from tests.world import TODAY, World, new_client, planned_course

from microneedling.errors import InputError
from microneedling.knowledge import load_knowledge
from microneedling.records.models import AuditEntry, TreatmentSession
from microneedling.services import amendments, exports, plans
from microneedling.services.clients import register_client
from microneedling.services.clinical_records import read, record
from microneedling.services.clock import Clock
from microneedling.services.consents import CONSENT, consent_texts, current_version
from microneedling.services.errors import (
    Conflict,
    DeparturesFound,
    Forbidden,
    NotFound,
    Unauthenticated,
)
from microneedling.services.intakes import INTAKE, age_on, check_intake
from microneedling.services.plans import PLAN
from microneedling.services.scores import SCORE
from microneedling.services.timeline import timeline
from microneedling.services.treatment_sessions import SESSION, check_session


def _session_data(plan: Any, **changes: Any) -> dict[str, Any]:
    return {
        "plan_id": plan.id,
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": True,
        "lot_number": "LOT-1",
        "zones": [{"zone": "cheeks", "needle_mm": 1.0, "passes": 3}],
        **changes,
    }


def _session(world: World, client_id: int, plan: Any, **changes: Any) -> Any:
    return record(
        world.records, world.clinician, SESSION, client_id, _session_data(plan, **changes)
    )


def test_an_intake_stores_the_answers_and_what_screening_found(world: World) -> None:
    client = new_client(world)
    intake: Any = record(
        world.records,
        world.assistant,
        INTAKE,
        client.id,
        {"answers": {"pregnant": True, "fitzpatrick": 2}},
    )
    assert intake.answers["pregnant"] is True
    assert intake.answers["age_years"] == age_on(dt.date(1990, 4, 2), TODAY)
    assert [f.code for f in intake.findings] == ["pregnancy"]
    assert intake.findings[0].reason
    assert intake.knowledge_version


COLD_SORES_ACTIVE = {
    "fitzpatrick": 2,
    "conditions": [{"code": "herpes_labialis", "status": "active"}],
}


def test_an_intake_finding_scoped_to_zones_names_every_zone_it_holds_back(world: World) -> None:
    client = new_client(world)
    intake: Any = record(
        world.records, world.clinician, INTAKE, client.id, {"answers": COLD_SORES_ACTIVE}
    )
    facial = [code for code, zone in load_knowledge().zones.items() if zone.facial]
    [finding] = intake.findings
    assert (finding.code, finding.action, finding.zones) == ("herpes_labialis", "defer", facial)
    assert finding.until is not None and finding.until.date is not None
    assert finding.until.date > TODAY


def test_checking_an_intake_saves_nothing_and_completes_the_answers_from_the_record(
    world: World,
) -> None:
    client = new_client(world, phototype=4)
    checked = check_intake(world.records, world.clinician, client.id, {"answers": {}})
    assert checked.answers["fitzpatrick"] == 4
    assert checked.answers["age_years"] == age_on(dt.date(1990, 4, 2), TODAY)
    assert checked.findings == []
    assert timeline(world.records, world.reader, client.id) == []
    saved: Any = record(world.records, world.clinician, INTAKE, client.id, {"answers": {}})
    assert saved.answers == checked.answers


def test_a_session_in_a_zone_the_latest_intake_defers_departs_at_that_zone(world: World) -> None:
    client, _intake, plan = planned_course(world)
    record(world.records, world.clinician, INTAKE, client.id, {"answers": COLD_SORES_ACTIVE})
    departures = check_session(
        world.records, world.clinician, client.id, _session_data(plan)
    ).departures
    assert [(d.code, d.zone) for d in departures] == [("zone_held_by_finding", "cheeks")]
    assert "Herpes labialis (cold sores)" in departures[0].message


def test_intake_answers_are_checked_against_the_plan_contract(world: World) -> None:
    client = new_client(world)
    with pytest.raises(InputError) as error:
        record(
            world.records,
            world.assistant,
            INTAKE,
            client.id,
            {"answers": {"conditions": [{"code": "flu", "status": "active"}]}},
        )
    assert error.value.problems[0].field == "answers.conditions[0].code"
    assert "herpes_labialis" in error.value.problems[0].allowed
    assert timeline(world.records, world.reader, client.id) == []


def test_age_counts_whole_years_up_to_the_birthday() -> None:
    assert age_on(dt.date(1990, 4, 2), dt.date(2026, 4, 1)) == 35
    assert age_on(dt.date(1990, 4, 2), dt.date(2026, 4, 2)) == 36


def test_a_plan_from_an_intake_stores_request_plan_and_knowledge_version(world: World) -> None:
    _client, intake, plan = planned_course(world, zones=("cheeks", "forehead"))
    assert plan.intake_id == intake.id
    assert plan.status == "ok"
    assert plan.request["client"] == intake.answers
    assert {t.zone for t in plan.plan.treatments} == {"cheeks", "forehead"}
    assert plan.knowledge_version == plan.plan.knowledge_version
    assert read(world.records, world.reader, PLAN, plan.id) == plan


def test_a_deferring_intake_gives_a_deferred_plan(world: World) -> None:
    _client, _intake, plan = planned_course(world, answers={"pregnant": True, "fitzpatrick": 2})
    assert plan.status == "deferred"


def test_a_plan_request_error_names_the_field_and_saves_nothing(world: World) -> None:
    client, intake, _plan = planned_course(world)
    with pytest.raises(InputError) as error:
        record(
            world.records,
            world.clinician,
            PLAN,
            client.id,
            {
                "intake_id": intake.id,
                "device": {"type": "pen"},
                "concerns": [{"indication": "acne_scars_atrophic", "zones": ["elbow"]}],
            },
        )
    assert error.value.problems[0].field == "concerns[0].zones[0]"
    assert [e.kind for e in timeline(world.records, world.reader, client.id)] == ["intake", "plan"]


def test_a_plan_needs_an_intake_of_the_same_client(world: World) -> None:
    _client, intake, _plan = planned_course(world)
    other = new_client(world, "Bea", "Lim")
    with pytest.raises(Conflict, match="another client"):
        record(
            world.records,
            world.clinician,
            PLAN,
            other.id,
            {
                "intake_id": intake.id,
                "device": {"type": "pen"},
                "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks"]}],
            },
        )


def test_preview_plans_without_saving(world: World) -> None:
    request = {
        "setting": "home",
        "device": {"type": "roller"},
        "client": {"age_years": 30, "fitzpatrick": 2},
        "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks"]}],
    }
    result = plans.preview_plan(world.reader, request, TODAY)
    assert all(t.depth_mm is None or t.depth_mm.max <= 0.5 for t in result.treatments)


def test_a_deferred_plan_cannot_be_consented_to(world: World) -> None:
    client, _intake, plan = planned_course(world, answers={"fitzpatrick": 2, "pregnant": True})
    assert plan.status == "deferred"
    consent = {"signer_name": "Ann Lee", "method": "written_signature", "plan_id": plan.id}
    with pytest.raises(Conflict, match="deferred"):
        record(
            world.records, world.assistant, CONSENT, client.id, {"scope": "treatment", **consent}
        )
    photography: Any = record(
        world.records, world.assistant, CONSENT, client.id, {"scope": "photography", **consent}
    )
    assert photography.scope == "photography"


def test_a_consent_stores_the_exact_text_of_its_version(world: World) -> None:
    client, _intake, plan = planned_course(world)
    consent: Any = record(
        world.records,
        world.assistant,
        CONSENT,
        client.id,
        {
            "scope": "treatment",
            "signer_name": "Ann Lee",
            "method": "written_signature",
            "plan_id": plan.id,
        },
    )
    version = current_version("treatment")
    assert consent.text_version == version
    assert consent.text == consent_texts()[("treatment", version)]
    with pytest.raises(InputError) as error:
        record(
            world.records,
            world.assistant,
            CONSENT,
            client.id,
            {"scope": "treatment", "signer_name": "A", "method": "shrug"},
        )
    assert error.value.problems[0].field == "method"


def test_a_session_within_its_plan_has_no_warnings(world: World) -> None:
    client, _intake, plan = planned_course(world)
    session = _session(world, client.id, plan)
    assert session.warnings == []
    assert session.operator_id == world.clinician.user_id


def test_a_session_deeper_and_sooner_than_planned_is_refused_until_confirmed_with_a_reason(
    world: World,
) -> None:
    client, _intake, plan = planned_course(world)
    _session(world, client.id, plan)
    cheeks = next(t for t in plan.plan.treatments if t.zone == "cheeks")
    assert cheeks.depth_mm is not None
    too_deep = cheeks.depth_mm.max + 0.5
    departing = {
        "performed_on": (TODAY - dt.timedelta(days=3)).isoformat(),
        "zones": [{"zone": "cheeks", "needle_mm": too_deep}],
    }
    for confirmation in ({}, {"confirm_departures": True, "departure_reason": "  "}):
        with pytest.raises(DeparturesFound) as refused:
            _session(world, client.id, plan, **departing, **confirmation)
        assert [(d["code"], d["zone"]) for d in refused.value.listed()] == [
            ("depth_above_plan", "cheeks"),
            ("interval_too_short", None),
        ]
    assert len(timeline(world.records, world.reader, client.id)) == 3
    second = _session(
        world,
        client.id,
        plan,
        **departing,
        confirm_departures=True,
        departure_reason="scar edges needed the longer needle",
    )
    assert [w["code"] for w in second.warnings] == ["depth_above_plan", "interval_too_short"]
    assert second.warnings[0]["zone"] == "cheeks"
    assert (second.confirm_departures, second.departure_reason) == (
        True,
        "scar edges needed the longer needle",
    )


def test_a_second_session_on_the_same_day_is_too_soon(world: World) -> None:
    client, _intake, plan = planned_course(world)
    _session(world, client.id, plan)
    departures = check_session(
        world.records, world.clinician, client.id, _session_data(plan)
    ).departures
    assert [d.code for d in departures] == ["interval_too_short"]


def test_a_session_is_checked_against_the_latest_intake_as_well_as_the_plan(
    world: World,
) -> None:
    client, _intake, plan = planned_course(world)
    record(
        world.records,
        world.clinician,
        INTAKE,
        client.id,
        {"answers": {"fitzpatrick": 2, "pregnant": True}},
    )
    departures = check_session(
        world.records, world.clinician, client.id, _session_data(plan)
    ).departures
    assert [(d.code, d.zone) for d in departures] == [("zone_held_by_finding", None)]
    assert "pregnancy" in departures[0].message
    with pytest.raises(DeparturesFound):
        _session(world, client.id, plan)


def test_checking_a_session_saves_nothing_and_answers_as_saving_would(world: World) -> None:
    client, _intake, plan = planned_course(world)
    data = _session_data(plan, single_use=False, zones=[{"zone": "chin", "needle_mm": 1.0}])
    checked = check_session(world.records, world.clinician, client.id, data).departures
    assert len(timeline(world.records, world.reader, client.id)) == 2
    with pytest.raises(DeparturesFound) as refused:
        record(world.records, world.clinician, SESSION, client.id, data)
    assert refused.value.departures == checked
    assert [(d.code, d.zone) for d in checked] == [
        ("needles_not_single_use", None),
        ("zone_not_in_plan", "chin"),
    ]


def test_a_session_or_consent_dated_after_today_is_refused_naming_the_field(world: World) -> None:
    client, _intake, plan = planned_course(world)
    tomorrow = world.records.clock.today() + dt.timedelta(days=1)
    with pytest.raises(InputError) as session_error:
        _session(world, client.id, plan, performed_on=tomorrow.isoformat())
    assert [p.field for p in session_error.value.problems] == ["performed_on"]
    late_signature = dt.datetime.combine(tomorrow, dt.time(9), tzinfo=dt.UTC).isoformat()
    with pytest.raises(InputError) as consent_error:
        record(
            world.records,
            world.clinician,
            CONSENT,
            client.id,
            {
                "scope": "treatment",
                "signer_name": "Ann Lee",
                "method": "written_signature",
                "signed_at": late_signature,
            },
        )
    assert [p.field for p in consent_error.value.problems] == ["signed_at"]
    assert [e.kind for e in timeline(world.records, world.reader, client.id)] == ["intake", "plan"]
    session = _session(world, client.id, plan)
    with pytest.raises(InputError) as amend_error:
        amendments.amend_record(
            world.records,
            world.clinician,
            "session",
            session.id,
            {"changes": {"performed_on": tomorrow.isoformat()}, "reason": "typed the wrong day"},
        )
    assert [p.field for p in amend_error.value.problems] == ["changes.performed_on"]


def test_today_is_the_clinics_day_from_the_one_injected_clock(world: World) -> None:
    """At 20:00 UTC a clinic at UTC+14 is already in the next day: a session then is today."""
    client, _intake, plan = planned_course(world)
    evening = dt.datetime.combine(TODAY, dt.time(20), tzinfo=dt.UTC)
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    for zone, accepted in (("UTC", False), ("Pacific/Kiritimati", True)):
        records = replace(world.records, clock=Clock(ZoneInfo(zone), evening))
        data = _session_data(plan, performed_on=tomorrow)
        if accepted:
            assert check_session(records, world.clinician, client.id, data).departures == []
        else:
            with pytest.raises(InputError, match="after today"):
                check_session(records, world.clinician, client.id, data)


def test_a_session_needs_an_operator_of_the_same_clinic(world: World) -> None:
    client, _intake, plan = planned_course(world)
    with pytest.raises(NotFound, match="user"):
        _session(world, client.id, plan, operator_id=world.outsider.user_id)


def test_a_score_is_computed_by_its_instrument(world: World) -> None:
    client = new_client(world)
    score: Any = record(
        world.records,
        world.assistant,
        SCORE,
        client.id,
        {
            "instrument": "gais",
            "answers": {"scale": "five_point", "rating": 2},
            "scored_on": TODAY.isoformat(),
        },
    )
    assert (score.value, score.band) == (2.0, "much_improved")
    with pytest.raises(InputError) as error:
        record(
            world.records,
            world.assistant,
            SCORE,
            client.id,
            {
                "instrument": "gais",
                "answers": {"scale": "five_point", "rating": 9},
                "scored_on": TODAY.isoformat(),
            },
        )
    assert error.value.problems[0].field.startswith("answers.")
    with pytest.raises(InputError) as unknown:
        record(
            world.records,
            world.assistant,
            SCORE,
            client.id,
            {"instrument": "nope", "answers": {}, "scored_on": TODAY.isoformat()},
        )
    assert unknown.value.problems[0].field == "instrument"
    assert "gais" in unknown.value.problems[0].allowed


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        ("assistant", PLAN),
        ("assistant", SESSION),
        ("read_only", INTAKE),
        ("read_only", SCORE),
        ("read_only", CONSENT),
    ],
    ids=lambda value: getattr(value, "entity", value),
)
def test_roles_are_enforced_by_the_services(world: World, role: str, kind: Any) -> None:
    actor = {"assistant": world.assistant, "read_only": world.reader}[role]
    client, _intake, _plan = planned_course(world)
    with pytest.raises(Forbidden, match=role):
        record(world.records, actor, kind, client.id, {})


def test_an_amendment_keeps_the_original_and_says_who_changed_what_and_why(
    world: World,
) -> None:
    client, _intake, plan = planned_course(world)
    original = _session(world, client.id, plan)
    amended: Any = amendments.amend_record(
        world.records,
        world.clinician,
        "session",
        original.id,
        {"changes": {"lot_number": "LOT-2"}, "reason": "lot number misread"},
    )
    assert amended.supersedes_id == original.id
    assert amended.lot_number == "LOT-2"
    assert amended.amendment_reason == "lot number misread"
    assert read(world.records, world.reader, SESSION, original.id).lot_number == "LOT-1"
    entries = {e.id: e for e in timeline(world.records, world.reader, client.id)}
    assert entries[original.id].superseded_by == amended.id
    with world.records.transaction() as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "session.amend")).one()
        assert entry.fields == ["amendment_reason", "lot_number"]
        assert entry.actor_id == world.clinician.user_id
        assert db.get_one(TreatmentSession, original.id).lot_number == "LOT-1"


def test_only_the_latest_version_can_be_amended(world: World) -> None:
    client, _intake, plan = planned_course(world)
    original = _session(world, client.id, plan)
    change = {"changes": {"notes": "first"}, "reason": "add a note"}
    amendments.amend_record(world.records, world.clinician, "session", original.id, change)
    with pytest.raises(Conflict, match="already amended"):
        amendments.amend_record(world.records, world.clinician, "session", original.id, change)


def test_simultaneous_amendments_of_one_row_leave_one_history(world: World) -> None:
    """Eight clinicians correct the same session at once: one amendment lands, seven get 409."""
    client, _intake, plan = planned_course(world)
    original = _session(world, client.id, plan)
    calls = [
        functools.partial(
            amendments.amend_record,
            world.records,
            world.clinician,
            "session",
            original.id,
            {"changes": {"notes": f"note {n}"}, "reason": "add a note"},
        )
        for n in range(8)
    ]
    outcomes = at_once(calls)
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if isinstance(o, BaseException))
    with world.records.transaction() as db:
        versions = db.scalars(
            select(TreatmentSession).where(TreatmentSession.supersedes_id == original.id)
        ).all()
    assert len(versions) == 1


def test_an_amendment_is_validated_like_the_original(world: World) -> None:
    client, _intake, plan = planned_course(world)
    original = _session(world, client.id, plan)
    with pytest.raises(InputError) as error:
        amendments.amend_record(
            world.records,
            world.clinician,
            "session",
            original.id,
            {"changes": {"zones": [{"zone": "cheeks", "needle_mm": 9}]}, "reason": "typo"},
        )
    assert error.value.problems[0].field == "changes.zones[0].needle_mm"
    with pytest.raises(InputError, match="cannot be amended"):
        amendments.amend_record(
            world.records,
            world.clinician,
            "plan",
            plan.id,
            {"changes": {"status": "ok"}, "reason": "typo"},
        )


def test_an_amended_session_is_checked_against_the_plan_again(world: World) -> None:
    client, _intake, plan = planned_course(world)
    original = _session(world, client.id, plan)
    amended: Any = amendments.amend_record(
        world.records,
        world.clinician,
        "session",
        original.id,
        {"changes": {"single_use": False}, "reason": "cartridge was reused"},
    )
    assert [w["code"] for w in amended.warnings] == ["needles_not_single_use"]


def test_assistants_and_readers_cannot_amend(world: World) -> None:
    _client, intake, _plan = planned_course(world)
    for actor in (world.assistant, world.reader):
        with pytest.raises(Forbidden):
            amendments.amend_record(
                world.records,
                actor,
                "intake",
                intake.id,
                {"changes": {"answers": {}}, "reason": "typo"},
            )


def test_another_clinic_can_neither_read_nor_amend_nor_add_records(world: World) -> None:
    client, intake, _plan = planned_course(world)
    with pytest.raises(NotFound):
        read(world.records, world.outsider, INTAKE, intake.id)
    with pytest.raises(NotFound):
        amendments.amend_record(
            world.records,
            world.outsider,
            "intake",
            intake.id,
            {"changes": {"answers": {}}, "reason": "typo"},
        )
    with pytest.raises(NotFound):
        record(world.records, world.outsider, INTAKE, client.id, {"answers": {}})
    with pytest.raises(NotFound):
        timeline(world.records, world.outsider, client.id)
    theirs = register_client(
        world.records, world.outsider, {"given_name": "Out", "family_name": "Sider"}
    )
    with pytest.raises(NotFound):
        record(world.records, world.clinician, INTAKE, theirs.id, {"answers": {}})


def test_exports_hold_every_client_and_their_sessions(world: World) -> None:
    client, _intake, plan = planned_course(world, zones=("cheeks", "forehead"))
    _session(
        world,
        client.id,
        plan,
        zones=[{"zone": "cheeks", "needle_mm": 1.0}, {"zone": "forehead", "needle_mm": 0.5}],
    )
    document = exports.export_json(world.records, world.owner)
    assert [c["id"] for c in document["clients"]] == [client.id]
    assert [len(document["clients"][0][name]) for name in ("intakes", "plans", "sessions")] == [
        1,
        1,
        1,
    ]
    rows = exports.export_sessions_csv(world.records, world.owner).splitlines()
    assert rows[0].startswith("client_id,session_id")
    assert [row.split(",")[10] for row in rows[1:]] == ["cheeks", "forehead"]
    assert exports.export_json(world.records, world.outsider)["clients"] == []
    with pytest.raises(Forbidden):
        exports.export_json(world.records, world.assistant)


def test_the_sessions_csv_quotes_text_a_spreadsheet_would_run(world: World) -> None:
    client, _intake, plan = planned_course(world)
    _session(world, client.id, plan, lot_number="=HYPERLINK(1)")
    text = exports.export_sessions_csv(world.records, world.owner)
    assert "'=HYPERLINK(1)" in text


def test_bulk_reads_and_failed_log_ins_are_audited(world: World) -> None:
    from tests.services.test_photos import PNG

    from microneedling.services import photos, users

    client = new_client(world)
    photo = photos.add_photo(
        world.records, world.assistant, client.id, PNG, {"view": "front", "taken_on": "2026-01-02"}
    )
    exports.export_json(world.records, world.clinician)
    exports.export_sessions_csv(world.records, world.clinician)
    photos.photo_file(world.records, world.reader, photo.id)
    with pytest.raises(Unauthenticated):
        users.log_in(world.records, "reader@a.example", "wrong password")
    with world.records.transaction() as db:
        entries = {
            entry.action: entry
            for entry in db.scalars(
                select(AuditEntry).where(AuditEntry.action.not_like("%.create"))
            )
        }
    assert entries["export.json"].actor_id == world.clinician.user_id
    assert entries["export.csv"].fields == ["sessions"]
    assert (entries["photo.download"].entity_id, entries["photo.download"].actor_id) == (
        photo.id,
        world.reader.user_id,
    )
    failed = entries["login.failed"]
    assert (failed.entity_id, failed.clinic_id) == (world.reader.user_id, world.reader.clinic_id)
