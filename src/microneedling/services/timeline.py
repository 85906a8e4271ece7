"""A client's course at a glance: intakes, plans, consents, sessions, photos and scores in
date order, each marked with what it corrects and what corrected it (photos left out while the
client's photography consent stands withdrawn), and the messages sent to the client."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from microneedling.records.models import Message
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import live_client
from microneedling.services.common import Output, Records
from microneedling.services.course import ClientCourse, CourseRows, course_rows, read_course
from microneedling.services.record_kinds import KINDS


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
    for kind in KINDS:
        of_kind = rows.by_kind.get(kind.model, [])
        corrected_by = {row.supersedes_id: row.id for row in of_kind if row.supersedes_id}
        for row in of_kind:
            day, summary = kind.summary(row)
            entries.append(
                TimelineEntry(
                    kind=kind.entity,
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
