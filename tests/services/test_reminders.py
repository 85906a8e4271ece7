"""Reminders through a real SMTP server: aftercare after a session, a review at the end of the
course, consent, the opt-out link, the record of what was sent, and never twice."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from tests.smtp_server import SmtpServer, smtp_server
from tests.world import CLOCK, TODAY, World, planned_course

from microneedling.clinical.models import Plan
from microneedling.knowledge import load_knowledge
from microneedling.records.models import Appointment, AuditEntry, Job, Message
from microneedling.services import appointments, rooms
from microneedling.services.clients import erase_client, get_client, update_client
from microneedling.services.clinical_records import record
from microneedling.services.clock import Clock
from microneedling.services.common import Records
from microneedling.services.jobs import ClaimedJob, JobRun, run_due
from microneedling.services.notify import EmailNotifier, Outgoing
from microneedling.services.reminders import (
    AFTERCARE,
    APPOINTMENT,
    REVIEW,
    job_handlers,
    opt_out,
    opt_out_token,
    reminder_status,
)
from microneedling.services.timeline import timeline
from microneedling.services.treatment_sessions import SESSION

ADDRESS = "ann@example.com"


@pytest.fixture
def mail() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def with_mail(records: Records, server: SmtpServer, clock: Clock | None = None) -> Records:
    """The records with e-mail set up for the test server (and optionally another clock)."""
    settings = records.settings.model_copy(
        update={
            "smtp_host": server.host,
            "smtp_port": server.port,
            "smtp_tls": "none",
            "smtp_sender": "Clinic A <clinic@a.example>",
            "public_url": "https://clinic.example",
        }
    )
    return dataclasses.replace(records, settings=settings, clock=clock or records.clock)


def next_day(records: Records) -> Records:
    """The records a day later: this evening's reminders are due."""
    return dataclasses.replace(records, clock=Clock(fixed=CLOCK.now() + dt.timedelta(days=1)))


def consenting_course(world: World, consent: bool = True) -> tuple[Any, Any]:
    client, _intake, plan = planned_course(world)
    update_client(
        world.records,
        world.clinician,
        client.id,
        {"version": client.version, "email": ADDRESS, "contact_by_email": consent},
    )
    return client, plan


def log_session(world: World, client_id: int, plan_id: int, day: dt.date = TODAY) -> Any:
    data = {
        "plan_id": plan_id,
        "performed_on": day.isoformat(),
        "device": "pen",
        "single_use": True,
        "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
        "confirm_departures": True,
        "departure_reason": "as agreed with the client",
    }
    return record(world.records, world.clinician, SESSION, client_id, data)


def run_jobs(records: Records) -> int:
    return run_due(records, job_handlers(records))


def test_aftercare_arrives_by_smtp_on_the_evening_of_the_session(
    world: World, mail: SmtpServer
) -> None:
    client, plan = consenting_course(world)
    session = log_session(world, client.id, plan.id)
    later = with_mail(next_day(world.records), mail)
    assert run_jobs(later) == 1
    [message] = mail.inbox.to(ADDRESS)
    body = message.get_content()
    assert message["Subject"] == "Looking after your skin after today's session"
    first_day = Plan.model_validate(plan.plan).aftercare[0]
    assert f"- Do: {first_day.do[0]}" in body
    assert "Clinic A" in body
    token = opt_out_token(later, client.id)
    assert f"https://clinic.example/unsubscribe/{token}" in body
    assert message["List-Unsubscribe"].strip() == f"<https://clinic.example/unsubscribe/{token}>"
    with later.transaction() as db:
        sent = db.scalars(select(Message)).one()
        assert (sent.key, sent.kind, sent.client_id) == (
            f"aftercare:session:{session.id}",
            "aftercare",
            client.id,
        )
        assert sent.message_id == message["Message-ID"]
        actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "message"))
        assert list(actions) == ["message.aftercare"]


def test_the_aftercare_reminder_waits_for_the_evening(world: World, mail: SmtpServer) -> None:
    """A session logged in the morning (the suite's instant is late in the day, past the
    evening already) gets its reminder at the evening, not before."""
    client, plan = consenting_course(world)
    morning = Clock(fixed=dt.datetime.combine(TODAY, dt.time(9), tzinfo=dt.UTC))
    log_session(
        dataclasses.replace(world, records=dataclasses.replace(world.records, clock=morning)),
        client.id,
        plan.id,
    )
    evening = dt.datetime.combine(TODAY, dt.time(18), tzinfo=dt.UTC)
    before = with_mail(world.records, mail, Clock(fixed=evening - dt.timedelta(minutes=1)))
    assert run_jobs(before) == 0
    assert run_jobs(with_mail(world.records, mail, Clock(fixed=evening))) == 1
    assert mail.inbox.count() == 1


def test_a_back_dated_session_gets_no_aftercare_reminder(world: World) -> None:
    client, plan = consenting_course(world)
    log_session(world, client.id, plan.id, TODAY - dt.timedelta(days=3))
    assert reminder_status(world.records, world.reader, client.id).reminders == []


def test_no_message_without_consent(world: World, mail: SmtpServer) -> None:
    client, plan = consenting_course(world, consent=False)
    log_session(world, client.id, plan.id)
    later = with_mail(next_day(world.records), mail)
    assert run_jobs(later) == 1
    assert mail.inbox.count() == 0
    status = reminder_status(later, world.reader, client.id)
    assert status.sent == []
    assert [(r.state, r.outcome) for r in status.reminders] == [
        ("done", "not sent: no consent to contact by e-mail")
    ]


def test_consent_is_off_unless_recorded(world: World) -> None:
    client, _intake, _plan = planned_course(world)
    assert get_client(world.records, world.reader, client.id).contact_by_email is False


def test_the_opt_out_link_stops_messages_and_is_audited(world: World, mail: SmtpServer) -> None:
    client, plan = consenting_course(world)
    log_session(world, client.id, plan.id)
    assert opt_out(world.records, opt_out_token(world.records, client.id))
    assert get_client(world.records, world.reader, client.id).contact_by_email is False
    assert run_jobs(with_mail(next_day(world.records), mail)) == 1
    assert mail.inbox.count() == 0
    with world.records.transaction() as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "client.opt_out")).one()
        assert (entry.entity_id, entry.actor_id, entry.fields) == (
            client.id,
            None,
            ["contact_by_email"],
        )


@pytest.mark.parametrize("token", ["1.forged", "x.y", "", "99999999999.abc", "1"])
def test_a_forged_opt_out_token_changes_nothing(world: World, token: str) -> None:
    client, _plan = consenting_course(world)
    assert not opt_out(world.records, token.replace("1", str(client.id), 1))
    assert get_client(world.records, world.reader, client.id).contact_by_email is True


def test_sent_messages_are_on_the_timeline_and_in_the_status(
    world: World, mail: SmtpServer
) -> None:
    client, plan = consenting_course(world)
    log_session(world, client.id, plan.id)
    later = with_mail(next_day(world.records), mail)
    run_jobs(later)
    entries = [e for e in timeline(later, world.reader, client.id) if e.kind == "message"]
    assert [e.summary for e in entries] == [
        "email sent: Looking after your skin after today's session"
    ]
    status = reminder_status(later, world.reader, client.id)
    assert [m.kind for m in status.sent] == ["aftercare"]
    assert [(r.kind, r.state, r.outcome) for r in status.reminders] == [(AFTERCARE, "done", "sent")]


def test_the_review_reminder_follows_the_last_session_of_the_course(
    world: World, mail: SmtpServer
) -> None:
    client, plan = consenting_course(world)
    schedule = Plan.model_validate(plan.plan).schedule
    first = TODAY - dt.timedelta(days=30 * (len(schedule) - 1))
    for number in range(len(schedule)):
        log_session(world, client.id, plan.id, first + dt.timedelta(days=30 * number))
    reminders = reminder_status(world.records, world.reader, client.id).reminders
    assert [r.kind for r in reminders] == [AFTERCARE, REVIEW]  # aftercare for today's session
    review = reminders[1]
    dates = [entry.date for entry in schedule if entry.date]
    last = first + dt.timedelta(days=30 * (len(schedule) - 1))
    assert review.run_at.date() == last + (dates[-1] - dates[-2])
    due = Clock(fixed=review.run_at)
    assert run_jobs(with_mail(world.records, mail, due)) == 2  # with today's aftercare
    assert [m["Subject"] for m in mail.inbox.to(ADDRESS)] == [
        "Looking after your skin after today's session",
        "Time to book your review",
    ]


def test_a_message_is_never_sent_twice_when_two_workers_race(
    world: World, mail: SmtpServer
) -> None:
    """A worker whose lease ran out while it sent: the second worker's copy is dropped at
    the unique key, before its ending line, so the server gets one message."""
    client, plan = consenting_course(world)
    log_session(world, client.id, plan.id)
    later = with_mail(next_day(world.records), mail)
    with later.transaction() as db:
        job = db.scalars(select(Job)).one()
        claimed = ClaimedJob(
            id=job.id,
            kind=job.kind,
            key=job.key,
            payload=dict(job.payload),
            client_id=job.client_id,
            attempt=1,
            worker="slow worker",
        )
        job.state, job.locked_by = "running", "slow worker"
        job.locked_until = later.clock.now() + dt.timedelta(minutes=5)
    # The slow worker sends and records it ...
    handler = job_handlers(later)[AFTERCARE]
    assert handler(JobRun(later, claimed)) is None
    # ... and a second worker that took the job over finds it sent and sends nothing.
    with later.transaction() as db:
        row = db.get_one(Job, claimed.id)
        row.state, row.locked_by, row.locked_until = "running", "second worker", None
    second = dataclasses.replace(claimed, worker="second worker", attempt=2)
    assert handler(JobRun(later, second)) == "already sent"
    assert mail.inbox.count() == 1


def test_a_delivery_called_off_before_its_end_never_arrives(mail: SmtpServer) -> None:
    """The crash window: everything but the ending line was written when `confirm` failed
    (as a kill would); the server keeps nothing, so the retry delivers exactly once."""
    notifier = EmailNotifier(
        host=mail.host,
        port=mail.port,
        sender="clinic@a.example",
        tls="none",
        user="",
        password="",
        timeout_seconds=5,
    )
    message = Outgoing(ADDRESS, "Hello", "Text\n.\nmore", "https://x/u", notifier.new_message_id())

    def crash() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        notifier.deliver(message, crash)
    notifier.deliver(message, lambda: None)
    [arrived] = mail.inbox.messages
    assert arrived["Message-ID"] == message.message_id
    assert arrived.get_content().replace("\r\n", "\n") == "Text\n.\nmore\n"


def test_aftercare_without_a_plan_uses_the_rows_for_everyone(
    world: World, mail: SmtpServer
) -> None:
    client, _plan = consenting_course(world)
    data = {
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": True,
        "zones": [{"zone": "cheeks", "needle_mm": 0.5}],
        "confirm_departures": True,
        "departure_reason": "no plan: a single session",
    }
    record(world.records, world.clinician, SESSION, client.id, data)
    run_jobs(with_mail(next_day(world.records), mail))
    body = mail.inbox.to(ADDRESS)[0].get_content()
    minoxidil = next(row for row in load_knowledge().aftercare if row.code == "minoxidil_pause")
    assert minoxidil.do[0] not in body
    assert "contact the clinic for" not in body
    assert "Please contact Clinic A straight away if you notice:" in body


# --- appointments ----------------------------------------------------------------------------

IN_THREE_DAYS = dt.datetime.combine(TODAY + dt.timedelta(days=3), dt.time(9), tzinfo=dt.UTC)


def book(world: World, client_id: int, starts_at: dt.datetime, **extra: Any) -> Any:
    data = {
        "client_id": client_id,
        "practitioner_id": world.clinician.user_id,
        "room": "Room 1",
        "starts_at": starts_at.isoformat(),
        "duration_minutes": 60,
        "kind": "treatment_session",
        **extra,
    }
    return appointments.book(world.records, world.assistant, data)


def appointment_reminders(world: World, client_id: int) -> list[tuple[str, str, dt.datetime]]:
    return [
        (r.key, r.state, r.run_at)
        for r in reminder_status(world.records, world.reader, client_id).reminders
        if r.kind == APPOINTMENT
    ]


def test_an_appointment_reminder_goes_out_the_lead_time_before_with_its_pre_care(
    world: World, mail: SmtpServer
) -> None:
    rooms.create_room(world.records, world.owner, {"name": "Room 1"})
    client, _intake, plan = planned_course(
        world,
        answers={
            "fitzpatrick": 2,
            "conditions": [{"code": "herpes_labialis", "status": "history"}],
        },
    )
    update_client(
        world.records,
        world.clinician,
        client.id,
        {"version": client.version, "email": ADDRESS, "contact_by_email": True},
    )
    booked = book(world, client.id, IN_THREE_DAYS, plan_id=plan.id)
    lead = dt.timedelta(hours=world.records.settings.reminder_lead_hours)
    [(key, state, run_at)] = appointment_reminders(world, client.id)
    assert (key, state, run_at) == (
        f"reminder:appointment:{booked.id}:{IN_THREE_DAYS:%Y%m%dT%H%M}Z",
        "queued",
        IN_THREE_DAYS - lead,
    )
    early = with_mail(world.records, mail, Clock(fixed=run_at - dt.timedelta(seconds=1)))
    assert run_jobs(early) == 0
    assert run_jobs(with_mail(world.records, mail, Clock(fixed=run_at))) == 1
    [message] = mail.inbox.to(ADDRESS)
    day = f"{IN_THREE_DAYS:%A} {IN_THREE_DAYS.day} {IN_THREE_DAYS:%B %Y} at 09:00"
    assert message["Subject"] == f"Your appointment at Clinic A on {day}"
    body = message.get_content()
    antiviral = next(
        r for r in load_knowledge().pre_care if r.code == "antiviral_prophylaxis_start"
    )
    assert antiviral.patient is not None and antiviral.patient in body
    clinic_only = next(r for r in load_knowledge().pre_care if r.code == "topical_anaesthetic")
    assert clinic_only.text not in body


def test_a_moved_appointment_gets_a_new_reminder_and_a_cancelled_one_none(
    world: World, mail: SmtpServer
) -> None:
    rooms.create_room(world.records, world.owner, {"name": "Room 1"})
    client, _plan = consenting_course(world)
    booked = book(world, client.id, IN_THREE_DAYS)
    later = IN_THREE_DAYS + dt.timedelta(days=1)
    moved = appointments.reschedule(
        world.records,
        world.assistant,
        booked.id,
        {"version": booked.version, "starts_at": later.isoformat()},
    )
    assert [(k.rsplit(":", 1)[1], s) for k, s, _r in appointment_reminders(world, client.id)] == [
        (f"{IN_THREE_DAYS:%Y%m%dT%H%M}Z", "cancelled"),
        (f"{later:%Y%m%dT%H%M}Z", "queued"),
    ]
    appointments.cancel(
        world.records, world.assistant, booked.id, {"version": moved.version, "reason": "ill"}
    )
    assert [s for _k, s, _r in appointment_reminders(world, client.id)] == ["cancelled"] * 2
    assert run_jobs(with_mail(world.records, mail, Clock(fixed=later))) == 0
    assert mail.inbox.count() == 0


def test_a_booking_sooner_than_the_lead_time_is_reminded_at_once(world: World) -> None:
    rooms.create_room(world.records, world.owner, {"name": "Room 1"})
    client, _plan = consenting_course(world)
    soon = CLOCK.now() + dt.timedelta(hours=2)
    book(world, client.id, soon)
    [(_key, _state, run_at)] = appointment_reminders(world, client.id)
    assert run_at == CLOCK.now()


def test_a_reminder_for_a_time_since_moved_is_not_sent(world: World, mail: SmtpServer) -> None:
    """A reminder already claimed when its appointment moved (the cancel came too late) checks
    the time again as it is sent."""
    rooms.create_room(world.records, world.owner, {"name": "Room 1"})
    client, _plan = consenting_course(world)
    booked = book(world, client.id, IN_THREE_DAYS)
    with world.records.transaction() as db:
        db.get_one(Appointment, booked.id).starts_at = IN_THREE_DAYS + dt.timedelta(hours=1)
    due = with_mail(world.records, mail, Clock(fixed=IN_THREE_DAYS - dt.timedelta(hours=1)))
    assert run_jobs(due) == 1
    assert mail.inbox.count() == 0
    [reminder] = reminder_status(due, world.reader, client.id).reminders
    assert reminder.outcome == "not sent: the appointment was moved"


def test_a_message_refused_after_its_end_is_taken_back_and_retried(
    world: World, mail: SmtpServer
) -> None:
    client, plan = consenting_course(world)
    log_session(world, client.id, plan.id)
    mail.inbox.refuse = 1
    later = with_mail(next_day(world.records), mail)
    assert run_jobs(later) == 1
    [reminder] = reminder_status(later, world.reader, client.id).reminders
    assert (reminder.state, reminder.attempts) == ("queued", 1)
    assert reminder.last_error is not None and "554" in reminder.last_error
    assert reminder_status(later, world.reader, client.id).sent == []
    with later.transaction() as db:
        refused = db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "message"))
        assert list(refused) == ["message.aftercare", "message.refused"]
    assert run_jobs(with_mail(world.records, mail, Clock(fixed=reminder.run_at))) == 1
    assert len(mail.inbox.to(ADDRESS)) == 1
    assert [m.kind for m in reminder_status(later, world.reader, client.id).sent] == ["aftercare"]


def test_erasing_a_client_removes_their_reminders_and_messages(
    world: World, mail: SmtpServer
) -> None:
    client, plan = consenting_course(world)
    log_session(world, client.id, plan.id)
    log_session(world, client.id, plan.id)
    later = with_mail(next_day(world.records), mail)
    with later.transaction() as db:  # one sent, one still queued
        _first, second = db.scalars(select(Job).order_by(Job.id))
        second.run_at = later.clock.now() + dt.timedelta(days=30)
    assert run_jobs(later) == 1
    erase_client(world.records, world.owner, client.id)
    with world.records.transaction() as db:
        assert db.scalars(select(Job)).all() == []
        assert db.scalars(select(Message)).all() == []
