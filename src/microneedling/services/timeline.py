"""A client's course at a glance: intakes, plans, consents, sessions, photos and scores in
date order, each marked with what it corrects and what corrected it (photos left out while the
client's photography consent stands withdrawn), and the messages sent to the client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microneedling.knowledge import load_knowledge
from microneedling.knowledge.names import term_name
from microneedling.records.models import (
    Clinical,
    Consent,
    Intake,
    Message,
    Photo,
    PlanRecord,
    ScoreRecord,
    TreatmentSession,
)
from microneedling.scores.registry import INSTRUMENTS
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import live_client
from microneedling.services.common import Output, Records
from microneedling.services.course import ClientCourse, CourseRows, course_rows, read_course


def _words(codes: list[str]) -> str:
    kb = load_knowledge()
    return ", ".join(term_name(kb, code) for code in codes)


class TimelineEntry(Output):
    kind: str
    id: int
    date: dt.date
    recorded_at: dt.datetime
    recorded_by: int | None
    summary: str
    supersedes_id: int | None
    superseded_by: int | None
    amendment_reason: str | None


def _intake(row: Any) -> tuple[dt.date, str]:
    codes = list(dict.fromkeys(finding["code"] for finding in row.findings))
    return row.created_at.date(), f"screening: {_words(codes) or 'no findings'}"


def _plan(row: Any) -> tuple[dt.date, str]:
    indications = sorted({t["indication"] for t in row.plan.get("treatments", [])})
    return row.created_at.date(), f"plan {row.status}: {_words(indications)}"


def _consent(row: Any) -> tuple[dt.date, str]:
    action = "consent to" if row.decision == "given" else "consent withdrawn:"
    scope, method = row.scope.replace("_", " "), row.method.replace("_", " ")
    return row.signed_at.date(), f"{action} {scope} ({method}, text {row.text_version})"


def _session(row: Any) -> tuple[dt.date, str]:
    zones = ", ".join(f"{_words([z['zone']])} {z['needle_mm']:g} mm" for z in row.zones)
    departures = _words([w["code"] for w in row.warnings]).lower()
    flagged = f"; departures: {departures}" if row.warnings else ""
    return row.performed_on, f"session ({row.device}): {zones}{flagged}"


def _photo(row: Any) -> tuple[dt.date, str]:
    zone = _words([row.zone]) if row.zone else "no zone"
    return row.taken_on, f"photo: {zone}, {row.view} view"


def _score(row: Any) -> tuple[dt.date, str]:
    band = f" ({row.band})" if row.band else ""
    known = INSTRUMENTS.get(row.instrument)
    instrument = known.name if known else row.instrument
    return row.scored_on, f"{instrument}: {row.value:g}{band}"


_KINDS: tuple[tuple[str, type[Clinical], Callable[[Any], tuple[dt.date, str]]], ...] = (
    ("intake", Intake, _intake),
    ("plan", PlanRecord, _plan),
    ("consent", Consent, _consent),
    ("session", TreatmentSession, _session),
    ("photo", Photo, _photo),
    ("score", ScoreRecord, _score),
)


def timeline(records: Records, actor: Actor, client_id: int) -> list[TimelineEntry]:
    require(actor, Permission.READ)
    with records.transaction() as db:
        live_client(db, actor, client_id)
        return _timeline(db, records, client_id, course_rows(db, client_id))


def course_and_timeline(
    records: Records, actor: Actor, client_id: int
) -> tuple[ClientCourse, list[TimelineEntry]]:
    """The client's page: the course and the timeline from one read of the client's rows."""
    require(actor, Permission.READ)
    with records.transaction() as db:
        course, rows = read_course(db, records, actor, client_id)
        return course, _timeline(db, records, client_id, rows)


def _timeline(
    db: Session, records: Records, client_id: int, rows: CourseRows
) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for kind, model, describe in _KINDS:
        of_kind = rows.by_kind.get(model, [])
        corrected_by = {row.supersedes_id: row.id for row in of_kind if row.supersedes_id}
        for row in of_kind:
            day, summary = describe(row)
            entries.append(
                TimelineEntry(
                    kind=kind,
                    id=row.id,
                    date=day,
                    recorded_at=row.created_at,
                    recorded_by=row.created_by,
                    summary=summary,
                    supersedes_id=row.supersedes_id,
                    superseded_by=corrected_by.get(row.id),
                    amendment_reason=row.amendment_reason,
                )
            )
    for message in db.scalars(select(Message).where(Message.client_id == client_id)):
        entries.append(
            TimelineEntry(
                kind="message",
                id=message.id,
                date=records.clock.day_of(message.sent_at),
                recorded_at=message.sent_at,
                recorded_by=None,
                summary=f"{message.channel} sent: {message.subject}",
                supersedes_id=None,
                superseded_by=None,
                amendment_reason=None,
            )
        )
    return sorted(entries, key=lambda entry: (entry.date, entry.recorded_at, entry.kind))
