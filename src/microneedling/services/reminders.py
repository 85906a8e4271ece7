"""Reminders to clients, in patient language, each a job on the queue: an appointment reminder
(`reminder_lead_hours` before, with the pre-care that applies), aftercare on the evening after a
session, and a review once the planned course is complete.

A reminder is queued whatever the client's consent, and the consent is read when it is due
(and again as it is sent), so an opt-out in between stops it. Every message carries a signed
opt-out link. A message is recorded (`messages`, unique per key) and audited in the
transaction that marks its job done; see `services.notify` for why it is never sent twice.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microneedling.clinical.aftercare import (
    aftercare_for_everyone,
    patient_pre_care,
    warning_signs_apart,
)
from microneedling.clinical.models import Plan
from microneedling.knowledge import load_knowledge
from microneedling.records.audit import audit
from microneedling.records.models import (
    Appointment,
    Client,
    Clinic,
    Job,
    Message,
    PlanRecord,
    TreatmentSession,
    User,
)
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import live_client
from microneedling.services.clinical_records import is_current
from microneedling.services.common import Output, Records
from microneedling.services.jobs import (
    Handler,
    Handlers,
    JobOut,
    JobRun,
    cancel,
    enqueue,
    reopen,
)
from microneedling.services.notify import (
    Attachment,
    Notifier,
    Outgoing,
    RefusedAfterConfirm,
    notifier_for,
)
from microneedling.services.photo_measures import photo_handlers

TEMPLATES = Path(__file__).with_name("data") / "messages"
AFTERCARE = "reminder.aftercare"
REVIEW = "reminder.review"
APPOINTMENT = "reminder.appointment"
DOCUMENT = "message.document"  # a document e-mailed on request (services/document_mail.py)
REMINDER_KINDS = (AFTERCARE, REVIEW, APPOINTMENT, DOCUMENT)


class NotSent(Exception):
    """A reminder that must not go out (no consent, no address, client erased)."""


class AlreadySent(Exception):
    """Another attempt recorded this message first."""


@cache
def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # plain-text e-mail, never HTML
    )


def render_message(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """The subject (the template's first line, `Subject: …`) and the body with its footer."""
    env = _templates()
    text = env.get_template(f"{template}.txt").render(context)
    first, _, body = text.partition("\n")
    footer = env.get_template("_footer.txt").render(context)
    return first.removeprefix("Subject: ").strip(), body.rstrip() + "\n" + footer


# --- opt-out links ---------------------------------------------------------------------------


def _signature(key: str, client_id: int) -> str:
    digest = hmac.new(key.encode(), f"opt-out|{client_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def opt_out_token(records: Records, client_id: int) -> str:
    """A token that names the client and proves the clinic made it; it does not expire (an
    opt-out link in an old e-mail must still work)."""
    return f"{client_id}.{_signature(records.settings.signing_key, client_id)}"


def opt_out_url(records: Records, client_id: int) -> str:
    return (
        f"{records.settings.public_url.rstrip('/')}/unsubscribe/{opt_out_token(records, client_id)}"
    )


def client_of_token(records: Records, token: str) -> int | None:
    """The client an opt-out token names, or None for a token this clinic did not make."""
    client_part, _, signature = token.partition(".")
    if not client_part.isdigit() or len(client_part) > 10:
        return None
    client_id = int(client_part)
    expected = _signature(records.settings.signing_key, client_id)
    return client_id if hmac.compare_digest(signature, expected) else None


def opt_out(records: Records, token: str) -> bool:
    """Turn the client's e-mail contact off from an opt-out link (no log-in: the signed token
    is the proof), audited; whether the token was valid. Opting out twice is harmless."""
    client_id = client_of_token(records, token)
    if client_id is None:
        return False
    with records.transaction() as db:
        client = db.get(Client, client_id, with_for_update=True, populate_existing=True)
        if client is None or client.erased_at is not None:
            return True
        if client.contact_by_email:
            client.contact_by_email = False
            db.flush()
            audit(
                db,
                clinic_id=client.clinic_id,
                actor_id=None,
                action="client.opt_out",
                entity="client",
                entity_id=client.id,
                fields=["contact_by_email"],
            )
    return True


# --- queueing ------------------------------------------------------------------------------


def at_local_time(day: dt.date, time: dt.time, records: Records) -> dt.datetime:
    """A clinic-local day and time, in UTC like every stored time."""
    return dt.datetime.combine(day, time, tzinfo=records.clock.time_zone).astimezone(dt.UTC)


def schedule_after_session(
    db: Session, records: Records, _actor: Actor, row: TreatmentSession
) -> None:
    """After a session is logged: aftercare this evening (for a session logged on its own day),
    and a review reminder when the session completes the planned course."""
    now = records.clock.now()
    if row.performed_on == records.clock.today():
        evening = at_local_time(row.performed_on, records.settings.aftercare_send_time, records)
        enqueue(
            db,
            kind=AFTERCARE,
            key=f"aftercare:session:{row.id}",
            run_at=max(evening, now),
            payload={"session_id": row.id},
            client_id=row.client_id,
        )
    if row.plan_id is not None:
        _schedule_review(db, records, row)


def _schedule_review(db: Session, records: Records, row: TreatmentSession) -> None:
    """The review reminder, once the plan's sessions are all done. It goes out one interval of
    the plan's own schedule after the last session, when the next session would have been due
    (no separate review delay is set: the clinical brief gives none)."""
    record = db.get(PlanRecord, row.plan_id)
    if record is None:
        return
    schedule = Plan.model_validate(record.plan).schedule
    done = db.scalars(
        select(TreatmentSession.performed_on).where(
            TreatmentSession.plan_id == record.id, is_current(TreatmentSession)
        )
    ).all()
    dates = [entry.date for entry in schedule if entry.date is not None]
    if not schedule or len(done) < len(schedule) or len(dates) < 2:
        return
    interval = dates[-1] - dates[-2]
    day = max(done) + interval
    enqueue(
        db,
        kind=REVIEW,
        key=f"review:plan:{record.id}",
        run_at=max(
            at_local_time(day, records.settings.aftercare_send_time, records), records.clock.now()
        ),
        payload={"plan_id": record.id},
        client_id=row.client_id,
    )


def appointment_key(row: Appointment) -> str:
    """One reminder per appointment and start time: a moved appointment gets a new one."""
    return f"reminder:appointment:{row.id}:{row.starts_at.astimezone(dt.UTC):%Y%m%dT%H%MZ}"


def schedule_appointment(db: Session, records: Records, row: Appointment) -> None:
    """Queue the reminder of a booking `reminder_lead_hours` before it (at once when the
    booking is sooner than that; none for a time already past)."""
    now = records.clock.now()
    if row.status != "booked" or row.starts_at <= now:
        return
    lead = dt.timedelta(hours=records.settings.reminder_lead_hours)
    enqueue(
        db,
        kind=APPOINTMENT,
        key=appointment_key(row),
        run_at=max(row.starts_at - lead, now),
        payload={"appointment_id": row.id, "starts_at": row.starts_at.isoformat()},
        client_id=row.client_id,
    )


def drop_appointment(db: Session, key: str) -> None:
    """The booking was moved or cancelled: its reminder for that time is not sent."""
    cancel(db, key)


# --- sending -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """What a reminder says, before it has an address line and an id; `attach` makes its
    files once the reading transaction is closed (a document's PDF reads the records itself)."""

    kind: str
    template: str
    context: dict[str, Any]
    attach: Callable[[], tuple[Attachment, ...]] | None = None


def contactable(db: Session, client_id: int | None) -> Client:
    client = db.get(Client, client_id) if client_id is not None else None
    if client is None or client.erased_at is not None:
        raise NotSent("not sent: the client was erased")
    if not client.contact_by_email:
        raise NotSent("not sent: no consent to contact by e-mail")
    if not client.email:
        raise NotSent("not sent: no e-mail address")
    return client


def _aftercare(db: Session, run: JobRun) -> Draft:
    session = db.get(TreatmentSession, run.job.payload["session_id"])
    if session is None:
        raise NotSent("not sent: the session was erased")
    kb = load_knowledge()
    plan = db.get(PlanRecord, session.plan_id) if session.plan_id else None
    if plan is not None:
        days = Plan.model_validate(plan.plan).aftercare
    else:  # a session without a plan: the rows that apply to everyone
        days = aftercare_for_everyone(kb)
    care, warning = warning_signs_apart(days, kb)
    steps = [{"when": day_span(d.from_day, d.to_day), "do": d.do, "avoid": d.avoid} for d in care]
    return Draft("aftercare", "aftercare", {"steps": steps, "warning_signs": warning})


def _review(db: Session, run: JobRun) -> Draft:
    if db.get(PlanRecord, run.job.payload["plan_id"]) is None:
        raise NotSent("not sent: the plan was erased")
    return Draft("review", "review", {})


def _appointment(db: Session, run: JobRun) -> Draft:
    row = db.get(Appointment, run.job.payload["appointment_id"])
    if row is None or row.status != "booked":
        raise NotSent("not sent: the appointment was cancelled")
    if row.starts_at != dt.datetime.fromisoformat(run.job.payload["starts_at"]):
        raise NotSent("not sent: the appointment was moved")
    practitioner = db.get(User, row.practitioner_id)
    local = row.starts_at.astimezone(run.records.clock.time_zone)
    context = {
        "when": f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}",
        "kind": row.kind.replace("_", " "),
        "practitioner": practitioner.full_name if practitioner else "",
        "before": _pre_care_for_client(db, row.plan_id),
    }
    return Draft("appointment", "appointment", context)


def _pre_care_for_client(db: Session, plan_id: int | None) -> list[str]:
    """The plan's pre-care in the client's words; the clinic's own steps are left out."""
    plan = db.get(PlanRecord, plan_id) if plan_id is not None else None
    if plan is None:
        return []
    codes = [item.code for item in Plan.model_validate(plan.plan).pre_care]
    return list(dict.fromkeys(patient_pre_care(codes, load_knowledge())))


def day_span(from_day: int, to_day: int) -> str:
    """A span of days after the session, in words."""
    if from_day == 0 and to_day <= 1:
        return "Today and tomorrow"
    if from_day == to_day:
        return f"Day {from_day} after the session"
    return f"Days {from_day} to {to_day} after the session"


def reminder_handler(
    notifier: Notifier | None, build: Callable[[Session, JobRun], Draft]
) -> Handler:
    """A job handler that sends the reminder `build` drafts, at most once."""

    def handle(run: JobRun) -> str | None:
        records = run.records
        try:
            with records.transaction() as db:
                client = contactable(db, run.job.client_id)
                draft = build(db, run)
                clinic = db.get(Clinic, client.clinic_id)
                context = {
                    **draft.context,
                    "name": client.given_name or "",
                    "clinic": clinic.name if clinic else "",
                    "unsubscribe_url": opt_out_url(records, client.id),
                }
                to = client.email or ""
        except NotSent as reason:
            return str(reason)
        if notifier is None:
            raise RuntimeError("e-mail is not set up (MICRONEEDLING_SMTP_HOST is empty)")
        subject, body = render_message(draft.template, context)
        outgoing = Outgoing(
            to,
            subject,
            body,
            context["unsubscribe_url"],
            notifier.new_message_id(),
            attachments=draft.attach() if draft.attach else (),
        )

        def confirm() -> None:
            _record_sent(run, draft.kind, outgoing, notifier.channel)

        try:
            notifier.deliver(outgoing, confirm)
        except AlreadySent:
            return "already sent"
        except NotSent as reason:
            return str(reason)
        except RefusedAfterConfirm as refused:
            _take_back(run, str(refused))
        return None

    return handle


def _record_sent(run: JobRun, kind: str, outgoing: Outgoing, channel: str) -> None:
    """Record the message as sent, audit it and finish its job, in one transaction; refuse
    (so nothing goes out) if consent was withdrawn meanwhile or the message is already sent."""
    records = run.records
    try:
        with records.transaction() as db:
            client = contactable(db, run.job.client_id)
            message = Message(
                clinic_id=client.clinic_id,
                client_id=client.id,
                kind=kind,
                key=run.job.key,
                channel=channel,
                subject=outgoing.subject,
                message_id=outgoing.message_id,
                sent_at=records.clock.now(),
            )
            db.add(message)
            db.flush()
            audit(
                db,
                clinic_id=client.clinic_id,
                actor_id=None,
                action=f"message.{kind}",
                entity="message",
                entity_id=message.id,
                fields=["client_id", "subject"],
            )
            run.finish(db, "sent")
    except IntegrityError:
        raise AlreadySent(run.job.key) from None


def _take_back(run: JobRun, error: str) -> None:
    """The server refused the message after it was recorded as sent: the record goes (audited)
    and the job is due again after its back-off."""
    records = run.records
    with records.transaction() as db:
        message = db.scalar(select(Message).where(Message.key == run.job.key))
        if message is not None:
            db.delete(message)
            audit(
                db,
                clinic_id=message.clinic_id,
                actor_id=None,
                action="message.refused",
                entity="message",
                entity_id=message.id,
                fields=["client_id", "subject"],
            )
        reopen(db, records, run.job, error)


def reminder_handlers(notifier: Notifier | None) -> Handlers:
    return {
        APPOINTMENT: reminder_handler(notifier, _appointment),
        AFTERCARE: reminder_handler(notifier, _aftercare),
        REVIEW: reminder_handler(notifier, _review),
    }


def job_handlers(records: Records) -> Handlers:
    """Every kind of job this installation runs, with the notifier its settings configure."""
    return {**reminder_handlers(notifier_for(records.settings)), **photo_handlers()}


# --- status --------------------------------------------------------------------------------


class MessageOut(Output):
    id: int
    kind: str
    key: str
    channel: str
    subject: str
    sent_at: dt.datetime


class ReminderStatus(Output):
    """A client's messages: those sent, and every reminder queued for them and how it went."""

    contact_by_email: bool
    sent: list[MessageOut]
    reminders: list[JobOut]


def reminder_status(records: Records, actor: Actor, client_id: int) -> ReminderStatus:
    require(actor, Permission.READ)
    with records.transaction() as db:
        return read_reminders(db, live_client(db, actor, client_id))


def read_reminders(db: Session, client: Client) -> ReminderStatus:
    """The client's reminder status inside the caller's transaction (the course reads it);
    other jobs of the client (photo analyses) are not reminders."""
    sent = db.scalars(
        select(Message).where(Message.client_id == client.id).order_by(Message.sent_at, Message.id)
    )
    jobs = db.scalars(
        select(Job)
        .where(Job.client_id == client.id, Job.kind.in_(REMINDER_KINDS))
        .order_by(Job.run_at, Job.id)
    )
    return ReminderStatus(
        contact_by_email=client.contact_by_email,
        sent=[MessageOut.model_validate(row) for row in sent],
        reminders=[JobOut.model_validate(row) for row in jobs],
    )
