"""The clinic's day at group scale: 100 practitioners, each with 50 appointments a day on
every weekday of a year (half behind, half ahead), 20,000 clients with an intake (some with a
finding that holds treatment back) and 5,000 courses with a current plan, half of them with
their first session done (some with an adverse event awaiting follow-up); then the today
page, a practitioner's week view and `GET /api/v1/today`, each a full request through the ASGI
app (one worker, in-process), on SQLite and on PostgreSQL.

Run: `.venv/bin/python benchmarks/appointments.py` (add `--practitioners 20` for a quick
run). Without `--postgres-url` a throwaway PostgreSQL server is started when Debian's server
programs exist. Target: p95 <= 50 ms for each of the three. Loading is timed and printed,
and each figure comes with the load average of the machine it was measured on.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine, text

from microneedling import plan as make_plan
from microneedling.config import Settings
from microneedling.records.database import engine_for, upgrade
from microneedling.services.awaiting import rebuild_awaiting
from microneedling.services.common import Records
from microneedling.services.course_due import rebuild_course_due
from microneedling.services.users import create_user
from records import bulk_load, call_asgi, client_rows, percentiles, postgres_url

PASSWORD = "benchmark password"
TODAY = dt.date(2026, 12, 2)  # a Wednesday; the clock is fixed so that runs compare
NOW = dt.datetime.combine(TODAY, dt.time(8), tzinfo=dt.UTC)
SLOT_MINUTES = 10
KINDS = ("consultation", "test_spot", "treatment_session", "review")
TARGET_P95_MS = 50.0


def stamp(engine: Engine, value: dt.datetime) -> Any:
    """A time as the database column holds it (SQLite: naive UTC text)."""
    if engine.dialect.name == "postgresql":
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def weekdays(days: int) -> list[dt.date]:
    first = TODAY - dt.timedelta(days=days // 2)
    every = (first + dt.timedelta(days=n) for n in range(days))
    return [day for day in every if day.weekday() < 5]


def appointment_rows(
    engine: Engine,
    clinic_id: int,
    practitioner_ids: list[int],
    room_ids: list[int],
    client_count: int,
    per_day: int,
    days: int,
    plans: dict[int, int],
    rng: random.Random,
) -> Iterator[tuple[Any, ...]]:
    """Back-to-back bookings from 09:00; some fulfil a plan session of their client. Each
    day's slot times are formatted once, not once per practitioner."""
    created = stamp(engine, NOW)
    length = dt.timedelta(minutes=SLOT_MINUTES)
    for day in weekdays(days):
        opens = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
        times = [opens + length * slot for slot in range(per_day)]
        slots = [(stamp(engine, t), stamp(engine, t + length)) for t in times]
        status = "completed" if day < TODAY else "booked"
        for practitioner_id, room_id in zip(practitioner_ids, room_ids, strict=True):
            for starts, ends in slots:
                client_id = rng.randrange(1, client_count + 1)
                plan_id = plans.get(client_id) if rng.random() < 0.2 else None
                yield (
                    clinic_id,
                    client_id,
                    practitioner_id,
                    room_id,
                    starts,
                    ends,
                    SLOT_MINUTES,
                    rng.choice(KINDS),
                    plan_id,
                    rng.randrange(1, 4) if plan_id else None,
                    status,
                    1,
                    created,
                    created,
                )


APPOINTMENT_COLUMNS = (
    "clinic_id",
    "client_id",
    "practitioner_id",
    "room_id",
    "starts_at",
    "ends_at",
    "duration_minutes",
    "kind",
    "plan_id",
    "plan_session",
    "status",
    "version",
    "created_at",
    "updated_at",
)


def plan_rows(
    engine: Engine, clinic_id: int, client_ids: list[int], rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    """Current plans made by the planner, started on days spread over the last four months
    (one plan made per start day: the request is otherwise the same)."""
    request = {
        "setting": "clinic",
        "device": {"type": "pen"},
        "client": {"age_years": 35, "fitzpatrick": 3},
        "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks", "forehead"]}],
    }
    created = stamp(engine, NOW - dt.timedelta(days=130))
    made: dict[dt.date, tuple[str, str]] = {}
    for client_id in client_ids:
        start = TODAY - dt.timedelta(days=rng.randrange(120))
        if start not in made:
            day = start.isoformat()
            body = make_plan({**request, "as_of": day, "start_date": day})
            made[start] = (
                json.dumps(body.model_dump(mode="json", by_alias=True)),
                body.knowledge_version,
            )
        plan, knowledge_version = made[start]
        yield (
            clinic_id,
            client_id,
            created,
            "ok",
            start.isoformat(),
            json.dumps(request),
            plan,
            knowledge_version,
        )


PLAN_COLUMNS = (
    "clinic_id",
    "client_id",
    "created_at",
    "status",
    "start_date",
    "request",
    "plan",
    "knowledge_version",
)


def intake_rows(
    engine: Engine, clinic_id: int, client_ids: list[int], rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    """An intake per client; one in ten with a cold sore deferral ending within the next month
    or lately ended, one in thirty for the clinician only."""
    created = stamp(engine, NOW - dt.timedelta(days=140))
    answers = json.dumps({"fitzpatrick": 2})
    for client_id in client_ids:
        findings = []
        draw = rng.random()
        if draw < 0.1:
            until = TODAY + dt.timedelta(days=rng.randrange(-10, 30))
            findings.append(_finding("herpes_labialis", "defer", {"date": until.isoformat()}))
        elif draw < 0.133:
            findings.append(_finding("keloid_history", "clinician_only", None))
        yield (clinic_id, client_id, created, answers, json.dumps(findings), "bench")


def _finding(code: str, action: str, until: dict[str, str] | None) -> dict[str, Any]:
    return {
        "code": code,
        "action": action,
        "zones": None,
        "until": until,
        "reason": "benchmark",
        "references": [],
    }


INTAKE_COLUMNS = (
    "clinic_id",
    "client_id",
    "created_at",
    "answers",
    "findings",
    "knowledge_version",
)


def session_rows(
    engine: Engine, clinic_id: int, plans: dict[int, int], rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    """The first session of one course in two, done on a day of the last four months; one in
    twenty with an adverse event still awaiting its follow-up."""
    created = stamp(engine, NOW)
    zones = json.dumps([{"zone": "cheeks", "needle_mm": 0.5}])
    waiting = json.dumps([{"event": "prolonged erythema", "severity": "mild"}])
    for client_id, plan_id in plans.items():
        if rng.random() < 0.5:
            day = TODAY - dt.timedelta(days=rng.randrange(120))
            events = waiting if rng.random() < 0.05 else "[]"
            row = (clinic_id, client_id, plan_id, created, day.isoformat(), "pen", True, zones)
            yield (*row, "[]", events, "[]")


SESSION_COLUMNS = (
    "clinic_id",
    "client_id",
    "plan_id",
    "created_at",
    "performed_on",
    "device",
    "single_use",
    "zones",
    "topicals",
    "adverse_events",
    "warnings",
)


def load(engine: Engine, records: Records, options: argparse.Namespace) -> tuple[int, int]:
    """The clinic, its people and a year of bookings; the owner's and one practitioner's ids."""
    owner = create_user(
        records,
        None,
        {"email": "bench@x.example", "full_name": "Bench", "role": "owner", "password": PASSWORD},
        clinic_name="Bench",
    )
    clinic_id = owner.clinic_id
    rng = random.Random(5)
    created = stamp(engine, NOW)
    users = [
        (
            clinic_id,
            f"p{n}@x.example",
            f"Practitioner {n}",
            "clinician",
            "-",
            True,
            1,
            created,
            created,
        )
        for n in range(options.practitioners)
    ]
    bulk_load(
        engine,
        "users",
        (
            "clinic_id",
            "email",
            "full_name",
            "role",
            "password_hash",
            "active",
            "version",
            "created_at",
            "updated_at",
        ),
        iter(users),
    )
    rooms = [
        (clinic_id, f"Room {n}", True, 1, created, created) for n in range(options.practitioners)
    ]
    bulk_load(
        engine,
        "rooms",
        ("clinic_id", "name", "active", "version", "created_at", "updated_at"),
        iter(rooms),
    )
    client_columns = (
        "clinic_id",
        "given_name",
        "family_name",
        "given_key",
        "family_key",
        "birth_date",
        "version",
        "created_at",
        "updated_at",
    )
    bulk_load(engine, "clients", client_columns, client_rows(clinic_id, options.clients, rng))
    with engine.connect() as connection:
        practitioner_ids = list(
            connection.execute(
                text("SELECT id FROM users WHERE role = 'clinician' ORDER BY id")
            ).scalars()
        )
        room_ids = list(connection.execute(text("SELECT id FROM rooms ORDER BY id")).scalars())
        client_ids = list(connection.execute(text("SELECT id FROM clients ORDER BY id")).scalars())
    planned = rng.sample(client_ids, options.plans)
    bulk_load(engine, "plans", PLAN_COLUMNS, plan_rows(engine, clinic_id, planned, rng))
    bulk_load(engine, "intakes", INTAKE_COLUMNS, intake_rows(engine, clinic_id, client_ids, rng))
    with engine.connect() as connection:
        plans = dict(connection.execute(text("SELECT client_id, id FROM plans")).all())
    bulk_load(engine, "sessions", SESSION_COLUMNS, session_rows(engine, clinic_id, plans, rng))
    with engine.begin() as connection:
        # Rows written behind the services' back: what the today page reads is derived as the
        # migration derives it for an existing database.
        rebuild_course_due(connection)
        rebuild_awaiting(connection)
    bulk_load(
        engine,
        "appointments",
        APPOINTMENT_COLUMNS,
        appointment_rows(
            engine,
            clinic_id,
            practitioner_ids,
            room_ids,
            len(client_ids),
            options.per_day,
            options.days,
            {c: int(p) for c, p in plans.items()},
            rng,
        ),
    )
    maintenance = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(maintenance))
    return owner.id, practitioner_ids[len(practitioner_ids) // 2]


async def measure(records: Records, practitioner_id: int, repeats: int) -> dict[str, list[float]]:
    """Each request's wall time in ms: the today page, a week view, the today summary as JSON."""
    from microneedling.web.app import create_app, settle_heap

    app = create_app(records.settings, records.clock)
    app.state.records = records
    settle_heap()  # as `serve` does in each server process
    form = f"username=bench%40x.example&password={PASSWORD.replace(' ', '+')}".encode()
    login = [(b"content-type", b"application/x-www-form-urlencoded")]
    token = json.loads(await call_asgi(app, "POST", "/api/v1/auth/token", form, login))
    bearer = [(b"authorization", f"Bearer {token['access_token']}".encode())]
    cookie = [(b"cookie", f"mn_session={token['access_token']}".encode())]
    week = urllib.parse.urlencode(
        {"view": "week", "day": TODAY.isoformat(), "practitioner_id": practitioner_id}
    ).encode()
    calls = {
        "today page": ("/today", cookie, b""),
        "week view (one practitioner)": ("/diary", cookie, week),
        "GET /api/v1/today": ("/api/v1/today", bearer, b""),
    }
    samples: dict[str, list[float]] = {}
    for name, (path, headers, query) in calls.items():
        for _ in range(3):
            await call_asgi(app, "GET", path, b"", headers, query)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            await call_asgi(app, "GET", path, b"", headers, query)
            times.append((time.perf_counter() - started) * 1000)
        samples[name] = times
    return samples


def run(label: str, url: str, data_dir: Path, options: argparse.Namespace) -> None:
    settings = Settings(
        environment="production",
        secret_key=SecretStr("b" * 40),
        data_dir=data_dir,
        database_url=url,
    )
    engine = engine_for(settings)
    upgrade(engine)
    from microneedling.services.clock import Clock

    records = Records.open(settings, Clock(fixed=NOW))
    started = time.perf_counter()
    _owner_id, practitioner_id = load(engine, records, options)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM appointments")).scalar_one()
    print(
        f"{label}: loaded {count:,} appointments ({options.practitioners} practitioners x "
        f"{options.per_day}/day, {options.clients:,} clients, {options.plans:,} plans) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    for name, times in asyncio.run(measure(records, practitioner_id, options.repeats)).items():
        p50, p95 = percentiles(times)
        verdict = "ok" if p95 <= TARGET_P95_MS else f"over the {TARGET_P95_MS:.0f} ms goal"
        print(
            f"{label}: {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
            f"({options.repeats} calls; {verdict}; load average {_load()})"
        )
    engine.dispose()


def _load() -> str:
    """The machine's 1-minute load average: figures from a busy machine read high."""
    return f"{os.getloadavg()[0]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practitioners", type=int, default=100)
    parser.add_argument("--per-day", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--plans", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    options = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if options.only != "postgresql":
            run("SQLite", f"sqlite:///{folder / 'bench.db'}", folder / "sqlite", options)
        if options.only != "sqlite":
            url = stack.enter_context(postgres_url(options.postgres_url))
            if url:
                run("PostgreSQL", url, folder / "pg", options)


if __name__ == "__main__":
    main()
