"""Score results: an instrument's answers and its result as the instrument computed them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy.orm import Session

from microneedling.errors import InputError
from microneedling.records.models import Clinical, ScoreRecord
from microneedling.scores import registry
from microneedling.scores.registry import INSTRUMENTS
from microneedling.services.access import Actor, Permission
from microneedling.services.clinical_records import ClinicalOut, RecordKind
from microneedling.services.clock import Clock
from microneedling.services.common import Input
from microneedling.services.treatment_sessions import SESSION


class ScoreIn(Input):
    instrument: Annotated[str, Field(min_length=1, max_length=32)]
    answers: dict[str, Any]
    scored_on: dt.date
    session_id: int | None = None


class ScoreOut(ClinicalOut):
    session_id: int | None
    instrument: str
    scored_on: dt.date
    answers: dict[str, Any]
    result: dict[str, Any]
    value: float | None
    band: str | None


def _build(
    db: Session,
    actor: Actor,
    client_id: int,
    data: ScoreIn,
    _original: Clinical | None,
    _clock: Clock,
) -> ScoreRecord:
    try:
        instrument = registry.get(data.instrument)
    except InputError as error:
        raise InputError(
            [p.__class__("instrument", p.message, p.allowed) for p in error.problems]
        ) from None
    try:
        result = instrument.score(data.answers)
    except InputError as error:
        raise error.within("answers") from None
    if data.session_id is not None:
        SESSION.of_client(db, actor, data.session_id, client_id)
    return ScoreRecord(
        clinic_id=actor.clinic_id,
        client_id=client_id,
        created_by=actor.user_id,
        session_id=data.session_id,
        instrument=data.instrument,
        scored_on=data.scored_on,
        answers=data.answers,
        result=result.as_json(),
        value=float(result.score),
        band=result.band,
    )


def _summary(row: ScoreRecord) -> tuple[dt.date, str]:
    band = f" ({row.band})" if row.band else ""
    known = INSTRUMENTS.get(row.instrument)
    instrument = known.name if known else row.instrument
    return row.scored_on, f"{instrument}: {row.value:g}{band}"


SCORE = RecordKind(
    entity="score",
    plural="scores",
    title="Score",
    model=ScoreRecord,
    input_model=ScoreIn,
    output_model=ScoreOut,
    permission=Permission.RECORD_SCORE,
    build=_build,
    summary=_summary,
    amendable=True,
)
