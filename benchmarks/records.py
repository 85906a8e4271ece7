"""Records at clinic-group scale: bulk-load 100k clients and 1M sessions, then time client
search by name and a client's timeline through the services, and plan previews through the
ASGI app in-process (one worker), on SQLite and on PostgreSQL.

Run: `.venv/bin/python benchmarks/records.py` (add `--clients 10000` for a quick run). Without
`--postgres-url` a throwaway PostgreSQL server is started when Debian's server programs exist.
Targets: p95 <= 50 ms for search and timeline; >= 1,000 plan previews/s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine, text

from microneedling.config import Settings
from microneedling.records.database import engine_for, upgrade
from microneedling.services import clients, timeline
from microneedling.services.access import Actor
from microneedling.services.clients import name_key
from microneedling.services.common import Records
from microneedling.services.users import create_user

CONSONANTS, VOWELS = "bdfghklmnprstvz", "aeiou"
SESSIONS_PER_CLIENT = 10
PASSWORD = "benchmark password"
SESSION_ZONES = json.dumps([{"zone": "cheeks", "needle_mm": 1.0, "passes": 3}])
PREVIEW = {
    "setting": "clinic",
    "device": {"type": "pen"},
    "client": {"age_years": 35, "fitzpatrick": 3},
    "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks", "forehead"]}],
}


def synthetic_name(rng: random.Random, syllables: int) -> str:
    """A pronounceable invented name: prefixes spread like real names do, not in a few stems."""
    word = "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(syllables))
    return word.capitalize() + (rng.choice(CONSONANTS) if rng.random() < 0.5 else "")


def name_pool(count: int, syllables: tuple[int, int], seed: int) -> list[str]:
    rng = random.Random(seed)
    return [synthetic_name(rng, rng.randint(*syllables)) for _ in range(count)]


def zipf_weights(count: int, exponent: float) -> list[float]:
    """Cumulative weights of rank ** -exponent: the most common surname is about 2 % of
    people, the most common given name about 5 %, as in census name counts."""
    return list(itertools.accumulate(rank**-exponent for rank in range(1, count + 1)))


GIVEN = name_pool(400, (2, 3), 1)
FAMILY = name_pool(20_000, (2, 4), 2)
GIVEN_WEIGHTS = zipf_weights(len(GIVEN), 0.7)
FAMILY_WEIGHTS = zipf_weights(len(FAMILY), 0.75)


def client_rows(clinic_id: int, count: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """Clients with given and family names drawn with a skew, as real names are."""
    now = dt.datetime.now(dt.UTC).isoformat()
    for _ in range(count):
        (given,) = rng.choices(GIVEN, cum_weights=GIVEN_WEIGHTS)
        (family,) = rng.choices(FAMILY, cum_weights=FAMILY_WEIGHTS)
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
        yield (
            clinic_id,
            given,
            family,
            name_key(given),
            name_key(family),
            birth.isoformat(),
            1,
            now,
            now,
        )


def session_rows(
    clinic_id: int, first_client: int, clients_count: int, rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    now = dt.datetime.now(dt.UTC).isoformat()
    for client_id in range(first_client, first_client + clients_count):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(600))
        for number in range(SESSIONS_PER_CLIENT):
            day = start + dt.timedelta(days=28 * number)
            yield (
                clinic_id,
                client_id,
                now,
                day.isoformat(),
                "pen",
                f"LOT-{rng.randrange(9999)}",
                True,
                SESSION_ZONES,
                "[]",
                "[]",
                "[]",
            )


CLIENT_COLUMNS = (
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
SESSION_COLUMNS = (
    "clinic_id",
    "client_id",
    "created_at",
    "performed_on",
    "device",
    "lot_number",
    "single_use",
    "zones",
    "topicals",
    "adverse_events",
    "warnings",
)


def bulk_load(engine: Engine, table: str, columns: tuple[str, ...], rows: Iterator[Any]) -> None:
    """COPY on PostgreSQL, batched executemany on SQLite."""
    connection: Any = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            batch: list[Any] = []
            for row in rows:
                batch.append(row)
                if len(batch) == 50000:
                    cursor.executemany(statement, batch)
                    batch.clear()
            cursor.executemany(statement, batch)
        connection.commit()
    finally:
        connection.close()


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def timed(call: Callable[[], object], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def call_asgi(
    app: Any, method: str, path: str, body: bytes, headers: list[Any], query: bytes = b""
) -> bytes:
    """One request straight into the ASGI app (no HTTP client in the way); the response body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
    }
    chunks: list[bytes] = []
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    if status != [200]:
        raise RuntimeError(f"{path} answered {status}: {b''.join(chunks)[:200]!r}")
    return b"".join(chunks)


async def previews_per_second(records: Records, seconds: float) -> float:
    """Plan previews per second, each a full request through the app: routing, the bearer
    token checked against the users table, the planner, the JSON answer."""
    from microneedling.web.app import create_app

    app = create_app(records.settings)
    app.state.records = records
    form = f"username=bench%40x.example&password={PASSWORD.replace(' ', '+')}".encode()
    login = [(b"content-type", b"application/x-www-form-urlencoded")]
    token = json.loads(await call_asgi(app, "POST", "/api/v1/auth/token", form, login))
    headers = [
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {token['access_token']}".encode()),
    ]
    body = json.dumps(PREVIEW).encode()
    for _ in range(50):
        await call_asgi(app, "POST", "/api/v1/plans/preview", body, headers)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        answer = await call_asgi(app, "POST", "/api/v1/plans/preview", body, headers)
        done += 1
    assert json.loads(answer)["status"] == "ok"
    return done / (time.perf_counter() - started)


def run(label: str, url: str, data_dir: Path, client_count: int, repeats: int) -> None:
    settings = Settings(
        environment="production",
        secret_key=SecretStr("b" * 40),
        data_dir=data_dir,
        database_url=url,
    )
    engine = engine_for(settings)
    upgrade(engine)
    records = Records.open(settings)
    owner = create_user(
        records,
        None,
        {"email": "bench@x.example", "full_name": "Bench", "role": "owner", "password": PASSWORD},
        clinic_name="Bench",
    )
    actor = Actor(clinic_id=owner.clinic_id, role="owner", user_id=owner.id)
    rng = random.Random(7)
    started = time.perf_counter()
    bulk_load(engine, "clients", CLIENT_COLUMNS, client_rows(owner.clinic_id, client_count, rng))
    bulk_load(
        engine, "sessions", SESSION_COLUMNS, session_rows(owner.clinic_id, 1, client_count, rng)
    )
    # A settled database, as autovacuum leaves it: statistics fresh, visibility map set.
    maintenance = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(maintenance))
    load_s = time.perf_counter() - started
    print(
        f"{label}: loaded {client_count:,} clients and {client_count * SESSIONS_PER_CLIENT:,} "
        f"sessions in {load_s:.1f} s"
    )

    query_rng = random.Random(11)
    with engine.connect() as connection:
        names = [
            row[0]
            for row in connection.execute(
                text("SELECT family_key FROM clients ORDER BY random() LIMIT 200")
            )
        ]
    prefixes = [name[:n] for name in names for n in (3, 5)]
    search = timed(
        lambda: clients.search_clients(
            records, actor, {"q": query_rng.choice(prefixes), "limit": 50}
        ),
        repeats,
    )
    course = timed(
        lambda: timeline.timeline(records, actor, query_rng.randrange(1, client_count + 1)), repeats
    )
    for name, samples in (("client search by name", search), ("client timeline", course)):
        p50, p95 = percentiles(samples)
        print(f"{label}: {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({repeats} calls)")
    rate = asyncio.run(previews_per_second(records, 5.0))
    print(f"{label}: plan previews through the ASGI app: {rate:,.0f}/s (one worker, in-process)")
    engine.dispose()


@contextmanager
def postgres_url(given: str | None) -> Iterator[str | None]:
    if given:
        yield given
        return
    from sqlalchemy import create_engine
    from tests.postgres_server import PostgresUnavailable, running_postgres

    try:
        with running_postgres() as server:
            admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text("CREATE DATABASE bench"))
            admin.dispose()
            yield server.url("bench")
    except PostgresUnavailable as error:
        print(f"PostgreSQL: skipped ({error})")
        yield None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    options = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if options.only != "postgresql":
            run(
                "SQLite",
                f"sqlite:///{folder / 'bench.db'}",
                folder / "sqlite",
                options.clients,
                options.repeats,
            )
        if options.only != "sqlite":
            url = stack.enter_context(postgres_url(options.postgres_url))
            if url:
                run("PostgreSQL", url, folder / "pg", options.clients, options.repeats)


if __name__ == "__main__":
    main()
