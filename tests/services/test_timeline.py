"""The timeline reads in words: findings, indications, zones and instruments by their names."""

from __future__ import annotations

from tests.services.test_course import _session
from tests.world import TODAY, World, planned_course

from microneedling.services.clinical_records import record
from microneedling.services.consents import CONSENT
from microneedling.services.intakes import INTAKE
from microneedling.services.timeline import timeline


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
