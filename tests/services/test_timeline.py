"""The timeline reads in words: findings, indications, zones and instruments by their names;
the client's page reads it with the course in one transaction, as each reads alone."""

from __future__ import annotations

from sqlalchemy import event
from tests.services.test_course import _session
from tests.world import TODAY, World, planned_course

from microneedling.services import amendments
from microneedling.services.clinical_records import record
from microneedling.services.consents import CONSENT
from microneedling.services.course import client_course
from microneedling.services.intakes import INTAKE
from microneedling.services.timeline import course_and_timeline, timeline


def test_every_summary_names_things_in_words_not_codes(world: World) -> None:
    client, _intake, plan = planned_course(world)
    answers = {
        "fitzpatrick": 3,
        "conditions": [{"code": "herpes_labialis", "status": "active"}],
    }
    _session(world, client.id, plan.id, TODAY)
    consent = {"scope": "treatment", "signer_name": "Ann Lee", "method": "written_signature"}
    record(world.records, world.clinician, CONSENT, client.id, {**consent, "plan_id": plan.id})
    record(world.records, world.clinician, INTAKE, client.id, {"answers": answers})
    summaries = [e.summary for e in timeline(world.records, world.clinician, client.id)]
    text = " | ".join(summaries)
    assert "Herpes labialis (cold sores)" in text and "Cheeks 1 mm" in text
    assert "herpes_labialis" not in text and "acne_scars" not in text
    assert not any("_" in summary for summary in summaries), summaries
    assert any(s.startswith("consent to treatment (") for s in summaries), summaries


def test_the_clients_page_reads_the_course_and_timeline_that_each_reads_alone(
    world: World,
) -> None:
    client, intake, plan = planned_course(world)
    _session(world, client.id, plan.id, TODAY)
    amendments.amend_record(
        world.records,
        world.clinician,
        "intake",
        intake.id,
        {"changes": {"answers": {"fitzpatrick": 2, "pregnant": True}}, "reason": "missed"},
    )
    begun: list[object] = []
    event.listen(world.records.sessions, "after_begin", lambda *args: begun.append(args))
    together = course_and_timeline(world.records, world.reader, client.id)
    assert len(begun) == 1
    alone = (
        client_course(world.records, world.reader, client.id),
        timeline(world.records, world.reader, client.id),
    )
    assert together == alone
    assert together[0].intake is not None and together[0].intake.id != intake.id
    assert [e.superseded_by for e in together[1] if e.id == intake.id and e.kind == "intake"] == [
        together[0].intake.id
    ]
