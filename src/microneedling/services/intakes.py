"""Intake: the client's screening answers (the `client` part of a plan request) and what
screening finds in them, with reasons, references and the zones each finding holds back.
`check_intake` gives the same answer as saving, without saving, for the pages' live check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from microneedling.clinical.models import Finding, ScreeningAnswers
from microneedling.clinical.screening import screen_intake
from microneedling.knowledge import load_knowledge
from microneedling.records.models import Client, Clinical, Intake
from microneedling.services.access import Actor, Permission, require
from microneedling.services.awaiting import refresh_held_findings
from microneedling.services.clients import live_client
from microneedling.services.clinical_records import ClinicalOut, RecordKind, in_words
from microneedling.services.clock import Clock
from microneedling.services.common import Input, Output, Records, dump, parse


class IntakeIn(Input):
    """The answers as the plan contract's `client` object; `age_years` and `fitzpatrick` may be
    left out when the client's birth date and phototype are on record."""

    answers: dict[str, Any]


class IntakeOut(ClinicalOut):
    answers: dict[str, Any]
    findings: list[Finding]
    knowledge_version: str


def age_on(birth_date: dt.date, day: dt.date) -> int:
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


class IntakeCheck(Output):
    """What an intake would store: the answers completed from the client's record, and the
    findings."""

    answers: dict[str, Any]
    findings: list[Finding]


def _screened(client: Client, data: IntakeIn, today: dt.date) -> IntakeCheck:
    """Complete the answers from the record (age, phototype), validate them and screen them."""
    answers = dict(data.answers)
    if "age_years" not in answers and client.birth_date is not None:
        answers["age_years"] = age_on(client.birth_date, today)
    if {"fitzpatrick", "fitzpatrick_answers"}.isdisjoint(answers) and client.phototype:
        answers["fitzpatrick"] = client.phototype
    validated = parse(ScreeningAnswers, answers, "answers")
    findings = screen_intake(validated, "clinic", today, load_knowledge())
    return IntakeCheck(answers=dump(validated), findings=findings)


def check_intake(records: Records, actor: Actor, client_id: int, data: object) -> IntakeCheck:
    """The findings these answers would be saved with, saving nothing (the pages' live check)."""
    require(actor, Permission.RECORD_INTAKE)
    parsed = parse(IntakeIn, data)
    with records.transaction() as db:
        client = live_client(db, actor, client_id)
        return _screened(client, parsed, records.clock.today())


def _build(
    db: Session,
    actor: Actor,
    client_id: int,
    data: IntakeIn,
    _original: Clinical | None,
    clock: Clock,
) -> Intake:
    client = live_client(db, actor, client_id)
    screened = _screened(client, data, clock.today())
    return Intake(
        clinic_id=actor.clinic_id,
        client_id=client_id,
        created_by=actor.user_id,
        answers=screened.answers,
        findings=[dump(finding) for finding in screened.findings],
        knowledge_version=load_knowledge().version,
    )


def _summary(row: Intake) -> tuple[dt.date, str]:
    codes = list(dict.fromkeys(finding["code"] for finding in row.findings))
    return row.created_at.date(), f"screening: {in_words(codes) or 'no findings'}"


INTAKE = RecordKind(
    entity="intake",
    plural="intakes",
    title="Intake",
    model=Intake,
    input_model=IntakeIn,
    output_model=IntakeOut,
    permission=Permission.RECORD_INTAKE,
    build=_build,
    summary=_summary,
    amendable=True,
    after_write=refresh_held_findings,
)
