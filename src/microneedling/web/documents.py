"""The documents a clinic hands over, each as a page and as a PDF made from the same HTML
template: the signed consent, the aftercare handout, the plan summary for the client and the
course report. A builder reads one document's content from the services; the page wraps its
template in the site's layout, the PDF in a print layout that WeasyPrint lays out.

WeasyPrint (the `documents` extra; it needs Pango from the system) was chosen over ReportLab
because it renders these same Jinja templates, so a page and its PDF cannot drift. It is
imported only when a PDF is made, and it fetches nothing: images come inline as `data:` URLs
and every other URL is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.responses import Response

from microneedling.clinical.aftercare import patient_pre_care, warning_signs_apart
from microneedling.clinical.models import Plan, ScheduledSession
from microneedling.knowledge import load_knowledge
from microneedling.knowledge.names import indication_names, zone_names
from microneedling.services import documents
from microneedling.services.access import Actor
from microneedling.services.common import Records
from microneedling.services.consents import SCOPE_NAMES
from microneedling.services.course import ClientCourse, client_course
from microneedling.services.errors import DocumentsUnavailable
from microneedling.services.plans import PlanOut, read_plan

HOLDING_ACTIONS = ("defer", "refuse")


@dataclass(frozen=True)
class Document:
    """One document's content: its template (a `_partial.html`), title, file name and values."""

    template: str
    title: str
    filename: str
    context: dict[str, Any]


Builder = Callable[[Records, Actor, int], Document]


def local_time(records: Records) -> Callable[[dt.datetime], str]:
    """Times as the clinic reads them: its own zone, to the minute, with the offset."""
    zone = records.clock.time_zone
    return lambda value: value.astimezone(zone).strftime("%Y-%m-%d %H:%M (UTC%z)")


def consent(records: Records, actor: Actor, consent_id: int) -> Document:
    doc = documents.consent_document(records, actor, consent_id)
    scope = SCOPE_NAMES[doc.consent.scope].lower()
    withdrawn = doc.consent.decision == "withdrawn"
    return Document(
        template="_consent_document.html",
        title=f"{'Withdrawal of consent' if withdrawn else 'Consent'} to {scope}",
        filename=f"consent-{consent_id}.pdf",
        context={"doc": doc, "withdrawn": withdrawn, "local_time": local_time(records)},
    )


def _upcoming(schedule: list[ScheduledSession], today: dt.date) -> list[ScheduledSession]:
    """The sessions still to come; all of them when the schedule has no dates."""
    dated = [s for s in schedule if s.date is not None]
    if not dated:
        return schedule
    return [s for s in dated if s.date is not None and s.date >= today]


def sessions_to_come(
    records: Records, saved: PlanOut, course: ClientCourse
) -> list[ScheduledSession]:
    """The plan's sessions still to come: for the client's current plan, dated from the
    sessions actually done; for an older plan, its own dates from today on."""
    if course.plan is not None and course.plan.id == saved.id:
        return course.upcoming
    return _upcoming(saved.plan.schedule, records.clock.today())


def day_span(from_day: int, to_day: int) -> str:
    if from_day == 0 and to_day <= 1:
        return "On the day and the day after"
    if from_day == to_day:
        return f"Day {from_day}"
    return f"Days {from_day} to {to_day}"


def _plan_values(records: Records, actor: Actor, plan_id: int) -> dict[str, Any]:
    """What the handout and the plan summary show: the plan, the client, the clinic, the
    sessions to come and the names of zones and indications."""
    saved = read_plan(records, actor, plan_id)
    kb = load_knowledge()
    course = client_course(records, actor, saved.client_id)
    return {
        "saved": saved,
        "client": course.client,
        "clinic": course.clinic,
        "plan": saved.plan,
        "sessions": sessions_to_come(records, saved, course),
        "zone_names": zone_names(kb),
        "indication_names": indication_names(kb),
        "holding": [f for f in saved.plan.findings if f.action in HOLDING_ACTIONS],
    }


def handout(records: Records, actor: Actor, plan_id: int) -> Document:
    values = _plan_values(records, actor, plan_id)
    plan: Plan = values["plan"]
    kb = load_knowledge()
    care, signs = warning_signs_apart(plan.aftercare, kb)
    values |= {
        "pre_care": patient_pre_care((item.code for item in plan.pre_care), kb),
        "aftercare": [
            {**day.model_dump(), "when": day_span(day.from_day, day.to_day)} for day in care
        ],
        "warning_signs": signs,
    }
    return Document(
        "_handout_body.html",
        "Your microneedling aftercare",
        f"aftercare-plan-{plan_id}.pdf",
        values,
    )


def plan_summary(records: Records, actor: Actor, plan_id: int) -> Document:
    values = _plan_values(records, actor, plan_id)
    return Document("_plan_summary.html", "Your treatment plan", f"plan-{plan_id}.pdf", values)


def course_report(records: Records, actor: Actor, client_id: int) -> Document:
    report = documents.course_report(records, actor, client_id)
    kb = load_knowledge()
    values = {
        "report": report,
        "client": report.course.client,
        "clinic": report.clinic,
        "zone_names": zone_names(kb),
    }
    return Document(
        "_course_report.html", "Your course report", f"course-report-{client_id}.pdf", values
    )


def pdf_of(document: Document) -> bytes:
    """The document laid out as A4 pages."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as error:
        raise DocumentsUnavailable(
            "PDFs need the documents extra (pip install 'microneedling[documents]') and the "
            f"system's Pango library: {error}"
        ) from None
    from microneedling.web.pages.common import templates  # the pages' templates, filters included

    html = templates.get_template("document_pdf.html").render(
        {"document": document, **document.context}
    )
    # Only inline `data:` URLs are read: a document never reaches the network or the disk.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    content: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf()
    return content


def pdf_response(document: Document) -> Response:
    return Response(
        pdf_of(document),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{document.filename}"'},
    )


BUILDERS: dict[str, Builder] = {
    "consent": consent,
    "handout": handout,
    "summary": plan_summary,
    "report": course_report,
}


def pdf_for(records: Records, actor: Actor, document: str, record_id: int) -> tuple[str, bytes]:
    """A document's file name and PDF, for the job that e-mails it to the client."""
    built = BUILDERS[document](records, actor, record_id)
    return built.filename, pdf_of(built)
