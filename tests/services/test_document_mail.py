"""Documents e-mailed to the client as PDFs, through a real SMTP server: only with consent to
e-mail, the client's own records only, recorded and audited as sent, and once per request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from tests.pdf_text import pdf_text
from tests.services.test_reminders import ADDRESS, consenting_course, with_mail
from tests.smtp_server import SmtpServer, smtp_server
from tests.world import World, new_client

from microneedling.errors import InputError
from microneedling.records.models import AuditEntry, Job, Message
from microneedling.services.common import Records
from microneedling.services.document_mail import document_handlers, queue_document
from microneedling.services.errors import Conflict, NotFound
from microneedling.services.jobs import run_due
from microneedling.services.notify import notifier_for
from microneedling.services.reminders import DOCUMENT, job_handlers, reminder_status
from microneedling.web.documents import pdf_for


@pytest.fixture
def mail() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def run_jobs(records: Records) -> int:
    handlers = {
        **job_handlers(records),
        **document_handlers(notifier_for(records.settings), pdf_for),
    }
    return run_due(records, handlers)


def test_the_handout_arrives_as_a_pdf_once_and_is_recorded(world: World, mail: SmtpServer) -> None:
    client, plan = consenting_course(world)
    records = with_mail(world.records, mail)
    queued = queue_document(
        records, world.clinician, client.id, {"document": "handout", "record_id": plan.id}
    )
    assert queued.record_id == plan.id
    assert run_jobs(records) == 1
    (message,) = mail.inbox.to(ADDRESS)
    assert message["Subject"] == "Your aftercare handout from Clinic A"
    (attached,) = list(message.iter_attachments())
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_filename() == f"aftercare-plan-{plan.id}.pdf"
    text = pdf_text(attached.get_content())
    assert "Your microneedling aftercare" in text and "Clinic A" in text
    assert run_jobs(records) == 0 and mail.inbox.count() == 1
    with records.transaction() as db:
        sent = db.scalars(select(Message).where(Message.client_id == client.id)).all()
        audited = db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "message")).all()
    assert [m.kind for m in sent] == ["document"] and "message.document" in audited
    status = reminder_status(records, world.clinician, client.id)
    assert [r.kind for r in status.reminders] == [DOCUMENT]


def test_the_course_report_needs_no_record_id(world: World, mail: SmtpServer) -> None:
    client, _plan = consenting_course(world)
    records = with_mail(world.records, mail)
    queue_document(records, world.clinician, client.id, {"document": "report"})
    assert run_jobs(records) == 1
    (message,) = mail.inbox.to(ADDRESS)
    assert next(message.iter_attachments()).get_filename() == f"course-report-{client.id}.pdf"


def test_without_consent_to_e_mail_nothing_is_queued(world: World) -> None:
    client, plan = consenting_course(world, consent=False)
    with pytest.raises(Conflict, match="no consent to contact by e-mail"):
        queue_document(
            world.records, world.clinician, client.id, {"document": "handout", "record_id": plan.id}
        )
    with world.records.transaction() as db:
        assert db.scalars(select(Job).where(Job.kind == DOCUMENT)).all() == []


def test_only_the_clients_own_records_go_and_the_id_is_named(world: World) -> None:
    client, plan = consenting_course(world)
    other = new_client(world)
    with pytest.raises(NotFound):
        queue_document(
            world.records, world.clinician, other.id, {"document": "handout", "record_id": plan.id}
        )
    with pytest.raises(NotFound):
        queue_document(world.records, world.outsider, client.id, {"document": "report"})
    with pytest.raises(InputError) as error:
        queue_document(world.records, world.clinician, client.id, {"document": "summary"})
    assert error.value.problems[0].field == "record_id"
    with pytest.raises(InputError) as unknown:
        queue_document(world.records, world.clinician, client.id, {"document": "invoice"})
    assert unknown.value.problems[0].field == "document"
