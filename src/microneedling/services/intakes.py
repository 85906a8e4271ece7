"""Intake: the client's screening answers (the `client` part of a plan request) and what
screening finds in them, with reasons and references."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from microneedling.clinical.models import Client as ClientAnswers
from microneedling.clinical.screening import screen_client
from microneedling.knowledge import load_knowledge
from microneedling.records.models import Clinical, Intake
from microneedling.services.access import Actor, Permission
from microneedling.services.clients import live_client
from microneedling.services.clinical_records import ClinicalOut, RecordKind
from microneedling.services.common import Input, dump, parse


class IntakeIn(Input):
    """The answers as the plan contract's `client` object; `age_years` and `fitzpatrick` may be
    left out when the client's birth date and phototype are on record."""

    answers: dict[str, Any]


class IntakeOut(ClinicalOut):
    answers: dict[str, Any]
    findings: list[dict[str, Any]]
    knowledge_version: str


def age_on(birth_date: dt.date, day: dt.date) -> int:
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def _build(
    db: Session, actor: Actor, client_id: int, data: IntakeIn, _original: Clinical | None
) -> Intake:
    client = live_client(db, actor, client_id)
    today = dt.date.today()
    answers = dict(data.answers)
    if "age_years" not in answers and client.birth_date is not None:
        answers["age_years"] = age_on(client.birth_date, today)
    if {"fitzpatrick", "fitzpatrick_answers"}.isdisjoint(answers) and client.phototype:
        answers["fitzpatrick"] = client.phototype
    validated = parse(ClientAnswers, answers, "answers")
    kb = load_knowledge()
    findings = screen_client(validated, "clinic", today, kb)
    return Intake(
        clinic_id=actor.clinic_id,
        client_id=client_id,
        created_by=actor.user_id,
        answers=dump(validated),
        findings=[dump(finding) for finding in findings],
        knowledge_version=kb.version,
    )


INTAKE = RecordKind(
    entity="intake",
    model=Intake,
    input_model=IntakeIn,
    permission=Permission.RECORD_INTAKE,
    build=_build,
    output=IntakeOut.model_validate,
)
