"""iCalendar (RFC 5545) text: the plan's schedule and the practitioners' feeds.

A booked appointment is a timed event in UTC (`...Z`, so every calendar shows it in its own
zone at the right instant) with the clinic as its place and a display alarm; a session not yet
booked stays an all-day event on its due day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

ALARM_BEFORE = "-P1D"  # the calendar's reminder: a day before


@dataclass(frozen=True)
class Event:
    uid: str
    title: str
    description: str = ""
    day: dt.date | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    place: str = ""


def text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(events: Iterable[Event], stamp: dt.datetime, name: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//microneedling//{name}//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event.uid}@microneedling", f"DTSTAMP:{_utc(stamp)}"]
        if event.starts_at is not None and event.ends_at is not None:
            lines += [f"DTSTART:{_utc(event.starts_at)}", f"DTEND:{_utc(event.ends_at)}"]
        elif event.day is not None:
            following = event.day + dt.timedelta(days=1)
            lines += [
                f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{following:%Y%m%d}",
            ]
        lines.append(f"SUMMARY:{text(event.title)}")
        if event.description:
            lines.append(f"DESCRIPTION:{text(event.description)}")
        if event.place:
            lines.append(f"LOCATION:{text(event.place)}")
        if event.starts_at is not None:
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{text(event.title)}",
                f"TRIGGER:{ALARM_BEFORE}",
                "END:VALARM",
            ]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_folded(line) for line in lines) + "\r\n"


def _folded(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, start = [], 0
    while start < len(data):
        end = min(start + (75 if start == 0 else 74), len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(data[start:end].decode())
        start = end
    return "\r\n ".join(parts)
