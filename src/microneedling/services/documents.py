"""What the documents handed to a client hold, read once each: the signed consent (with its
signature images and whether its seal still holds), and the course report (sessions done, each
instrument's scores with their change, and a before/after pair of photos where the client's
photography consent allows). Each names the clinic with its address and phone. The web layer
renders them as pages and PDFs (web/documents.py); the aftercare handout and the plan summary
are read from the course and the plan as their pages are.

Reading a document is audited like any bulk read: it carries the client's record out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from microneedling.records.audit import audit_bulk_read
from microneedling.records.models import Clinic, Consent, User
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import ClientOut, live_client
from microneedling.services.clinics import ClinicOut
from microneedling.services.common import Output, Records, owned
from microneedling.services.consents import ConsentOut, consent_out, seal_holds, standing_decisions
from microneedling.services.course import ClientCourse, client_course
from microneedling.services.photo_measures import before_after
from microneedling.services.photos import PhotoOut


@dataclass(frozen=True)
class ConsentDocument:
    clinic: ClinicOut
    client: ClientOut
    consent: ConsentOut
    taken_by: str | None
    signature_png: bytes | None
    witness_signature_png: bytes | None
    seal_holds: bool


def consent_document(records: Records, actor: Actor, consent_id: int) -> ConsentDocument:
    """A consent as signed, for its copy: the images and a fresh check of its seal."""
    require(actor, Permission.READ)
    with records.transaction() as db:
        row = owned(db, actor, Consent, consent_id, "consent")
        client = ClientOut.model_validate(live_client(db, actor, row.client_id))
        taker = db.get(User, row.created_by) if row.created_by is not None else None
        audit_bulk_read(db, actor, "consent.document", "consent", consent_id, ["document"])
        return ConsentDocument(
            clinic=ClinicOut.model_validate(db.get_one(Clinic, actor.clinic_id)),
            client=client,
            consent=consent_out(row),
            taken_by=taker.full_name if taker else None,
            signature_png=row.signature_png,
            witness_signature_png=row.witness_signature_png,
            seal_holds=seal_holds(row),
        )


class ScoreChange(Output):
    """One instrument over the course: its first and latest score and the change between."""

    instrument: str
    count: int
    first_on: dt.date
    first: float | None
    first_band: str | None
    latest_on: dt.date
    latest: float | None
    latest_band: str | None
    change: float | None


@dataclass(frozen=True)
class CourseReport:
    clinic: ClinicOut
    course: ClientCourse
    scores: list[ScoreChange]
    before: PhotoOut | None
    after: PhotoOut | None
    photo_content: dict[int, bytes]
    photos_allowed: bool


def score_changes(course: ClientCourse) -> list[ScoreChange]:
    """Each instrument's first and latest score, in the order first scored."""
    by_instrument: dict[str, list[Any]] = {}
    for score in sorted(course.scores, key=lambda s: (s.scored_on, s.id)):
        by_instrument.setdefault(score.instrument, []).append(score)
    changes = []
    for instrument, scores in by_instrument.items():
        first, latest = scores[0], scores[-1]
        both = first.value is not None and latest.value is not None
        changes.append(
            ScoreChange(
                instrument=instrument,
                count=len(scores),
                first_on=first.scored_on,
                first=first.value,
                first_band=first.band,
                latest_on=latest.scored_on,
                latest=latest.value,
                latest_band=latest.band,
                change=round(latest.value - first.value, 4) if both else None,
            )
        )
    return changes


def course_report(records: Records, actor: Actor, client_id: int) -> CourseReport:
    """The course so far; photos only while the client's photography consent stands given."""
    course = client_course(records, actor, client_id)
    with records.transaction() as db:
        allowed = standing_decisions(db, [client_id], "photography").get(client_id) == "given"
        shown = sorted(course.photos, key=lambda p: (p.taken_on, p.id)) if allowed else []
        before, after = before_after(shown, None, None)
        pair = [p for p in (before, after) if p is not None]
        audit_bulk_read(db, actor, "course.report", "client", client_id, ["document"])
        content = {p.id: records.photos.read(p.sha256) for p in pair}
        return CourseReport(
            clinic=course.clinic,
            course=course,
            scores=score_changes(course),
            before=before,
            after=after,
            photo_content=content,
            photos_allowed=allowed,
        )
