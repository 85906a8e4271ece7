"""Load test: a clinic's traffic mix against `microneedling serve` on loopback, with locust.

Three runs, each on the demo clinic in a fresh database with servers of its own: PostgreSQL
with 1 and 2 workers (photos in the PostgreSQL photo store, as a chain of clinics runs), then
SQLite with 1 worker (photos on disk, as one clinic runs). A throwaway PostgreSQL server is
started and stopped (Debian's server programs), like the test suite's.

The mix, per signed-in clinician, weighted as a clinic's day goes (reads far outnumber
writes, a log-in is rare): client search, the client's page (the course), a plan preview, a
session written, a photo file (there is no thumbnail route: the photo file route serves the
stored photo), and a log-in. Each simulated user sends its next request as soon as the last is
answered, so the figures are the throughput reached and the latency at it.

Run: `.venv/bin/python benchmarks/load.py` (about 5 minutes) or `--quick` (under 3 minutes);
`--json` prints one JSON object last:
`{"postgres": {"1": {...}, "2": {...}}, "sqlite": {"1": {...}}}`, each with `rps`, `p50_ms`,
`p95_ms`, `p99_ms`, `errors` and `requests`. Goals: 0 errors, p95 ≤ 100 ms, and 2 workers
≥ 1.6× the throughput of 1 (where the machine has the cores for it: the load generator,
PostgreSQL and the workers share them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import gevent
import httpx
from locust import FastHttpUser, constant, task
from locust.env import Environment

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.mix import EMAIL, PASSWORD, PLAN_REQUEST, SEARCHES, SECRET  # noqa: E402
from tests.app_server import serving  # noqa: E402
from tests.postgres_server import PostgresServer, PostgresUnavailable, running_postgres  # noqa: E402


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    requests: int


@dataclass(frozen=True)
class Clinic:
    """What the simulated users work on: the demo clinic's clients and photos."""

    client_ids: list[int]
    photo_ids: list[int]
    today: str


class Clinician(FastHttpUser):
    """One clinician at work: the mix of requests a clinic sends, no pause between them."""

    wait_time = constant(0)
    clinic: ClassVar[Clinic]

    def on_start(self) -> None:
        self.log_in()

    @task(1)
    def log_in(self) -> None:
        form = {"username": EMAIL, "password": PASSWORD}
        with self.client.post(
            "/api/v1/auth/token", data=form, name="log-in", catch_response=True
        ) as answer:
            if answer.status_code == 200:
                token = answer.json()["access_token"]
                self.auth = {"Authorization": f"Bearer {token}", "Cookie": f"mn_session={token}"}

    @task(10)
    def client_search(self) -> None:
        query = {"q": random.choice(SEARCHES), "limit": "20"}
        self.client.get("/api/v1/clients", params=query, headers=self.auth, name="client search")

    @task(10)
    def course_page(self) -> None:
        client_id = random.choice(self.clinic.client_ids)
        self.client.get(f"/clients/{client_id}", headers=self.auth, name="course page")

    @task(6)
    def plan_preview(self) -> None:
        self.client.post(
            "/api/v1/plans/preview", json=PLAN_REQUEST, headers=self.auth, name="plan preview"
        )

    @task(4)
    def session_write(self) -> None:
        client_id = random.choice(self.clinic.client_ids)
        body = {
            "performed_on": self.clinic.today,
            "device": "pen",
            "single_use": True,
            "zones": [{"zone": "cheeks", "needle_mm": 0.5}],
            "confirm_departures": True,
            "departure_reason": "recorded by the load test",
        }
        self.client.post(
            f"/api/v1/clients/{client_id}/sessions",
            json=body,
            headers=self.auth,
            name="session write",
        )

    @task(9)
    def photo(self) -> None:
        photo_id = random.choice(self.clinic.photo_ids)
        self.client.get(f"/api/v1/photos/{photo_id}/file", headers=self.auth, name="photo file")


def clinic_at(base: str) -> Clinic:
    """The demo clinic's client and photo ids, read through the API."""
    with httpx.Client(base_url=f"{base}/api/v1", timeout=60) as http:
        form = {"username": EMAIL, "password": PASSWORD}
        token = http.post("/auth/token", data=form).raise_for_status().json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        clients = http.get("/clients", params={"limit": 200}).raise_for_status().json()["items"]
        ids = [client["id"] for client in clients]
        photos = [
            entry["id"]
            for client_id in ids
            for entry in http.get(f"/clients/{client_id}/timeline").raise_for_status().json()
            if entry["kind"] == "photo"
        ]
    today = dt.datetime.now(dt.UTC).date().isoformat()  # the clinic's time zone is UTC here
    return Clinic(client_ids=ids, photo_ids=photos, today=today)


def measure(base: str, users: int, warm_up_s: float, seconds: float) -> Figures:
    """Run the mix against `base`; the figures of the measured window (after the warm-up)."""
    Clinician.clinic = clinic_at(base)
    environment = Environment(user_classes=[Clinician], host=base)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=users)
    gevent.sleep(warm_up_s)
    environment.stats.reset_all()
    gevent.sleep(seconds)
    total = environment.stats.total
    figures = Figures(
        rps=round(total.num_requests / seconds, 1),
        p50_ms=float(total.get_response_time_percentile(0.50) or 0),
        p95_ms=float(total.get_response_time_percentile(0.95) or 0),
        p99_ms=float(total.get_response_time_percentile(0.99) or 0),
        errors=total.num_failures,
        requests=total.num_requests,
    )
    by_name = {
        name: round(entry.get_response_time_percentile(0.95) or 0)
        for (name, _method), entry in environment.stats.entries.items()
    }
    runner.quit()
    print(f"    p95 by request (ms): {by_name}", file=sys.stderr)
    return figures


def demo(settings: dict[str, str]) -> None:
    """The demo clinic in the database these settings name."""
    subprocess.run(
        [sys.executable, "-m", "microneedling", "demo"],
        env={**os.environ, **settings},
        check=True,
        capture_output=True,
    )


_databases = itertools.count()


@contextmanager
def postgres_database(server: PostgresServer) -> Iterator[str]:
    name = f"load_{next(_databases)}"
    createdb = [str(server.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(server.port)]
    subprocess.run([*createdb, "-U", "postgres", name], check=True, capture_output=True)
    yield server.url(name)


def run(workers: int, settings: dict[str, str], args: argparse.Namespace) -> Figures:
    with serving(settings, workers=workers) as base:
        figures = measure(base, args.users, args.warm_up, args.seconds)
    print(f"    {workers} worker(s): {asdict(figures)}", file=sys.stderr)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs (under 3 minutes)")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument("--users", type=int, default=8, help="simultaneous clinicians")
    args = parser.parse_args()
    args.warm_up, args.seconds = (3, 15) if args.quick else (10, 60)
    base = {
        "MICRONEEDLING_ENVIRONMENT": "production",
        "MICRONEEDLING_SECRET_KEY": SECRET,
    }
    results: dict[str, dict[str, Figures]] = {"postgres": {}, "sqlite": {}}
    with tempfile.TemporaryDirectory() as work:
        print("PostgreSQL (photos in the database):", file=sys.stderr)
        with running_postgres() as server, postgres_database(server) as url:
            settings = {
                **base,
                "MICRONEEDLING_DATABASE_URL": url,
                "MICRONEEDLING_PHOTO_STORE": "postgres",
                "MICRONEEDLING_DATA_DIR": str(Path(work) / "postgres"),
            }
            demo(settings)
            for workers in (1, 2):
                results["postgres"][str(workers)] = run(workers, settings, args)
        print("SQLite (photos on disk):", file=sys.stderr)
        settings = {**base, "MICRONEEDLING_DATA_DIR": str(Path(work) / "sqlite")}
        demo(settings)
        results["sqlite"]["1"] = run(1, settings, args)
    scaling = results["postgres"]["2"].rps / max(results["postgres"]["1"].rps, 0.1)
    print(f"2 workers / 1 worker on PostgreSQL: {scaling:.2f}× the throughput", file=sys.stderr)
    report: dict[str, Any] = {
        database: {workers: asdict(figures) for workers, figures in runs.items()}
        for database, runs in results.items()
    }
    if args.json:
        print(json.dumps(report))
    else:
        for database, runs in report.items():
            for workers, figures in runs.items():
                print(f"{database:<9} {workers} worker(s): {figures}")


if __name__ == "__main__":
    try:
        main()
    except PostgresUnavailable as error:
        sys.exit(f"The load test needs PostgreSQL's server programs: {error}")
