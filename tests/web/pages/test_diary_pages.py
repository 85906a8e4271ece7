"""The diary's pages: booking from the client page and from the plan, the day and week views
with their move and cancel forms (no JavaScript needed), the today page, rooms and feeds."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from tests.web.page_world import Browser, PageWorld
from tests.web.pages.test_pages import START, error_beside, with_plan
from tests.world import TODAY

from microneedling.services import appointments, rooms
from microneedling.services.clock import Clock

TOMORROW = TODAY + dt.timedelta(days=1)


def _room(clinic: PageWorld, name: str = "Room 1") -> None:
    rooms.create_room(clinic.records, clinic.actors["owner"], {"name": name})


def _book_from_client_page(browser: Browser, clinic: PageWorld, time: str = "09:30") -> object:
    form = browser.get(f"/clients/{clinic.client_id}/book")
    assert form.status_code == 200 and "Book an appointment" in form.text
    return browser.post(
        f"/clients/{clinic.client_id}/book",
        {
            "kind": "consultation",
            "practitioner_id": str(clinic.actors["clinician"].user_id),
            "room": "Room 1",
            "date": TOMORROW.isoformat(),
            "time": time,
            "duration_minutes": "30",
        },
        follow_redirects=False,
    )


def test_a_booking_from_the_client_page_shows_in_the_diary_and_on_the_client(
    clinician: Browser, clinic: PageWorld
) -> None:
    _room(clinic)
    answer = _book_from_client_page(clinician, clinic)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    day = clinician.get(f"/diary?day={TOMORROW.isoformat()}")
    assert "Ada Moreau" in day.text and "09:30–10:00" in day.text
    assert 'action="/appointments/' in day.text and 'name="reason"' in day.text
    week = clinician.get(f"/diary?day={TOMORROW.isoformat()}&view=week&room=Room+1")
    assert "Ada Moreau" in week.text and week.text.count('class="diary-day"') == 7
    page = clinician.get(f"/clients/{clinic.client_id}")
    assert "Bookings" in page.text and "in the diary" in page.text


def test_a_clash_on_the_booking_form_says_so_and_books_nothing(
    clinician: Browser, clinic: PageWorld
) -> None:
    _room(clinic)
    _book_from_client_page(clinician, clinic)
    again = _book_from_client_page(clinician, clinic, time="09:45")
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert "already booked" in again.text  # type: ignore[attr-defined]
    bad = clinician.post(
        f"/clients/{clinic.client_id}/book",
        {"kind": "consultation", "practitioner_id": "", "room": "Room 1", "date": "x", "time": ""},
    )
    assert bad.status_code == 422 and error_beside(bad.text, "practitioner_id")
    booked = appointments.list_appointments(clinic.records, clinic.actors["owner"], TOMORROW)
    assert len(booked) == 1


def test_the_move_and_cancel_forms_work_without_javascript(
    clinician: Browser, clinic: PageWorld
) -> None:
    _room(clinic)
    _book_from_client_page(clinician, clinic)
    (booking,) = appointments.list_appointments(clinic.records, clinic.actors["owner"], TOMORROW)
    page = clinician.get(f"/diary?day={TOMORROW.isoformat()}")
    assert 'src="/static/diary.js"' in page.text and 'draggable="true"' in page.text
    moved = clinician.post(
        f"/appointments/{booking.id}/move",
        {
            "version": str(booking.version),
            "date": TOMORROW.isoformat(),
            "time": "14:00",
            "duration_minutes": "30",
            "next": f"/diary?day={TOMORROW.isoformat()}",
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303 and moved.headers["location"].startswith("/diary")
    (after,) = appointments.list_appointments(clinic.records, clinic.actors["owner"], TOMORROW)
    assert after.starts_at.time() == dt.time(14)
    no_reason = clinician.post(
        f"/appointments/{booking.id}/cancel", {"version": str(after.version), "reason": ""}
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    cancelled = clinician.post(
        f"/appointments/{booking.id}/cancel",
        {"version": str(after.version), "reason": "client asked", "next": "//elsewhere.example"},
        follow_redirects=False,
    )
    assert cancelled.status_code == 303 and cancelled.headers["location"] == "/diary"
    assert appointments.list_appointments(clinic.records, clinic.actors["owner"], TOMORROW) == []


def test_the_plan_books_its_sessions_and_the_today_page_shows_them(
    clinician: Browser, clinic: PageWorld
) -> None:
    _room(clinic)
    plan_id = with_plan(clinic)
    plan = clinician.get(f"/plans/{plan_id}")
    assert "No session of this plan is booked" in plan.text
    form = clinician.get(f"/plans/{plan_id}/book")
    assert form.status_code == 200
    done = clinician.post(
        f"/plans/{plan_id}/book",
        {
            "practitioner_id": str(clinic.actors["clinician"].user_id),
            "room": "Room 1",
            "time": "11:15",
            "duration_minutes": "60",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    plan = clinician.get(f"/plans/{plan_id}")
    assert re.search(r"Session 1: <time[^>]*>[^<]*11:15</time>", plan.text)
    ics = clinician.get(f"/plans/{plan_id}/schedule.ics")
    assert "BEGIN:VALARM" in ics.text and "LOCATION:Riverside Skin Clinic" in ics.text
    today = clinician.get("/today")
    assert today.status_code == 200 and "Who comes today" in today.text
    assert '<a href="/today">Today</a>' in today.text


def test_the_today_page_lists_an_unbooked_session_as_overdue_later(
    clinician: Browser, clinic: PageWorld
) -> None:
    with_plan(clinic)  # its first session is due on START
    start = dt.date.fromisoformat(START)
    later = dt.datetime.combine(start + dt.timedelta(days=3), dt.time(12), tzinfo=dt.UTC)
    app = clinician.client.app
    app.state.records = replace(clinic.records, clock=Clock(fixed=later))  # type: ignore[attr-defined]
    clinician.log_in()  # three days on, the morning's session has expired
    page = clinician.get("/today")
    assert "Overdue" in page.text and f"since {START}" in page.text
    assert "Ada Moreau" in page.text and "not booked" in page.text


def test_owners_manage_rooms_and_practitioners_their_feeds(
    browser: Browser, clinic: PageWorld
) -> None:
    browser.log_in("owner")
    page = browser.get("/rooms")
    assert "Add a room" in page.text
    added = browser.post("/rooms", {"name": "Laser room"}, follow_redirects=False)
    assert added.status_code == 303
    again = browser.post("/rooms", {"name": "Laser room"})
    assert again.status_code == 422 and "exists" in again.text
    feeds = browser.get("/calendar-feeds")
    user_id = clinic.actors["clinician"].user_id
    made = browser.post(f"/calendar-feeds/{user_id}", {})
    url = re.search(r'<code class="feed-url">[^<]*(/calendar/[^<]+\.ics)</code>', made.text)
    assert feeds.status_code == 200 and url is not None
    assert browser.client.get(url.group(1)).status_code == 200
    browser.post(f"/calendar-feeds/{user_id}/revoke", {})
    assert browser.client.get(url.group(1)).status_code == 404


def test_a_long_today_list_shows_a_page_and_a_link_to_the_next(
    clinician: Browser, clinic: PageWorld
) -> None:
    _room(clinic)
    owner = clinic.actors["owner"]
    opens = dt.datetime.combine(TODAY, dt.time(6), tzinfo=dt.UTC)
    for n in range(51):
        starts = opens + dt.timedelta(minutes=15 * n)
        body = {
            "client_id": clinic.client_id,
            "practitioner_id": clinic.actors["clinician"].user_id,
            "room": "Room 1",
            "starts_at": starts.isoformat(),
            "duration_minutes": 15,
            "kind": "consultation",
        }
        appointments.book(clinic.records, owner, body)
    page = clinician.get("/today")
    assert page.text.count('class="booking-line"') == 50
    assert "Showing 1–50 of 51." in page.text
    link = "/today?section=appointments&amp;offset=50#list-appointments"
    assert link in page.text
    rest = clinician.get(link.replace("&amp;", "&"))
    assert rest.text.count('class="booking-line"') == 1 and "Showing 51–51 of 51." in rest.text
    wrong = clinician.get("/today?section=appointments&offset=many")
    assert wrong.status_code == 200 and 'role="alert"' in wrong.text
    assert wrong.text.count('class="booking-line"') == 50
