"""A client's course, read once: the client (with alerts and contact), the current intake and
its open findings, the current plan as a typed `Plan`, the sessions done against it and those
still to come (dated from what was actually done), scores, photos (none while photography
consent stands withdrawn), consents, the bookings from today on and the reminders (consent to
e-mail, messages sent, reminders queued).

The clinic's name, address and phone come with it (the documents name whom to call). One
transaction and one query per kind, whatever the number of records; the API
(`GET /clients/{id}/course`) and every page that shows a course render this same value. The
rows read (amended ones too) are handed on, so the client's page builds the timeline from the
same read (`services.timeline.course_and_timeline`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from microneedling.clinical.models import Finding, Plan, ScheduledSession
from microneedling.clinical.schedule import course_shift
from microneedling.records.models import (
    CLINICAL_MODELS,
    Clinic,
    Clinical,
    Consent,
    Intake,
    Photo,
    PlanRecord,
    ScoreRecord,
    TreatmentSession,
)
from microneedling.services.access import Actor, Permission, require
from microneedling.services.awaiting import OPEN_ACTIONS
from microneedling.services.bookings import AppointmentOut, appointments_between, day_bounds
from microneedling.services.clients import ClientOut, live_client
from microneedling.services.clinical_records import client_rows, current_of
from microneedling.services.clinics import ClinicOut
from microneedling.services.common import Output, Records
from microneedling.services.consents import ConsentOut, consent_out, photos_withheld
from microneedling.services.intakes import IntakeOut
from microneedling.services.photos import PhotoOut
from microneedling.services.reminders import ReminderStatus, read_reminders
from microneedling.services.scores import ScoreOut
from microneedling.services.treatment_sessions import SessionOut

ALERT_LINE = re.compile(r"^\s*alert\b\s*[:\-–]?\s*(.+)$", re.IGNORECASE)


class CoursePlan(Output):
    """The current plan: its record's facts and the plan itself, typed."""

    id: int
    intake_id: int | None
    status: str
    start_date: dt.date | None
    created_at: dt.datetime
    request: dict[str, Any]
    plan: Plan


class ClientCourse(Output):
    clinic: ClinicOut
    client: ClientOut
    alerts: list[str]
    intake: IntakeOut | None
    open_findings: list[Finding]
    plan: CoursePlan | None
    sessions_done: list[SessionOut]
    upcoming: list[ScheduledSession]
    sessions: list[SessionOut]
    scores: list[ScoreOut]
    photos: list[PhotoOut]
    consents: list[ConsentOut]
    bookings: list[AppointmentOut]
    reminders: ReminderStatus

    @property
    def next_due(self) -> ScheduledSession | None:
        return self.upcoming[0] if self.upcoming else None


@dataclass(frozen=True)
class CourseRows:
    """A client's clinical rows as read, amended ones too (photos left out while withheld)."""

    by_kind: dict[type[Clinical], list[Any]]

    def current(self, model: type[Clinical]) -> list[Any]:
        return current_of(self.by_kind.get(model, []))


def course_rows(db: Session, client_id: int) -> CourseRows:
    """One query per kind; no photos read while photography consent stands withdrawn."""
    withheld = bool(photos_withheld(db, [client_id]))
    kinds = [model for model in CLINICAL_MODELS if not (withheld and model is Photo)]
    return CourseRows({model: client_rows(db, model, client_id) for model in kinds})


def client_course(records: Records, actor: Actor, client_id: int) -> ClientCourse:
    """The course as it stands today (the clinic's today, from the records' clock)."""
    require(actor, Permission.READ)
    with records.transaction() as db:
        return read_course(db, records, actor, client_id)[0]


def read_course(
    db: Session, records: Records, actor: Actor, client_id: int
) -> tuple[ClientCourse, CourseRows]:
    """The course, and the rows it was made from, in the caller's transaction."""
    row = live_client(db, actor, client_id)
    client = ClientOut.model_validate(row)
    clinic = ClinicOut.model_validate(db.get_one(Clinic, actor.clinic_id))
    start, _ = day_bounds(records.clock.today(), 1, records.clock.time_zone)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    bookings = appointments_between(
        db, actor, start, far, client_id=client.id, include_cancelled=True
    )
    reminders = read_reminders(db, row)
    rows = course_rows(db, client.id)
    return _course(rows, clinic, client, records.clock.today(), bookings, reminders), rows


def _course(
    rows: CourseRows,
    clinic: ClinicOut,
    client: ClientOut,
    today: dt.date,
    bookings: list[AppointmentOut],
    reminders: ReminderStatus,
) -> ClientCourse:
    intakes = rows.current(Intake)
    plans = rows.current(PlanRecord)
    sessions = sorted(
        (SessionOut.model_validate(r) for r in rows.current(TreatmentSession)),
        key=lambda s: (s.performed_on, s.id),
    )
    intake = IntakeOut.model_validate(intakes[-1]) if intakes else None
    plan = _plan(plans[-1]) if plans else None
    done = [s for s in sessions if plan is not None and s.plan_id == plan.id]
    return ClientCourse(
        clinic=clinic,
        client=client,
        alerts=alerts_in(client.notes),
        intake=intake,
        open_findings=open_findings(intake.findings if intake else [], today),
        plan=plan,
        sessions_done=done,
        upcoming=upcoming(plan.plan.schedule, [s.performed_on for s in done]) if plan else [],
        sessions=sessions,
        scores=[ScoreOut.model_validate(r) for r in rows.current(ScoreRecord)],
        photos=[PhotoOut.model_validate(r) for r in rows.current(Photo)],
        consents=[consent_out(r) for r in rows.current(Consent)],
        bookings=bookings,
        reminders=reminders,
    )


def _plan(row: PlanRecord) -> CoursePlan:
    return CoursePlan(
        id=row.id,
        intake_id=row.intake_id,
        status=row.status,
        start_date=row.start_date,
        created_at=row.created_at,
        request=row.request,
        plan=Plan.model_validate(row.plan),
    )


def alerts_in(notes: str | None) -> list[str]:
    """Lines of the client's notes marked as alerts ("ALERT: allergic to lidocaine")."""
    found = (ALERT_LINE.match(line) for line in (notes or "").splitlines())
    return [match.group(1).strip() for match in found if match]


def open_findings(findings: list[Finding], today: dt.date) -> list[Finding]:
    """Findings that still hold a treatment back: a deferral whose date has not come (or that
    waits on a condition), a clinician-only finding, a refusal."""
    held = []
    for finding in findings:
        if finding.action not in OPEN_ACTIONS:
            continue
        until = finding.until
        if finding.action == "defer" and until and until.date and until.date <= today:
            continue
        held.append(finding)
    return held


def upcoming(schedule: list[ScheduledSession], done: list[dt.date]) -> list[ScheduledSession]:
    """The sessions still to come, dated from the last one actually done (`course_shift`)."""
    rest = schedule[len(done) :]
    shift = course_shift([entry.date for entry in schedule], done)
    if not shift:
        return rest
    return [
        entry.model_copy(update={"date": entry.date + shift}) if entry.date else entry
        for entry in rest
    ]
