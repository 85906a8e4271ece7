"""Load test: a clinic's traffic mix against `microneedling serve` on loopback, with locust.

Three configurations, each on the demo clinic in a fresh database with servers of its own:
PostgreSQL with 1 and 2 workers (photos in the PostgreSQL photo store, as a chain of clinics
runs), then SQLite with 1 worker (photos on disk, as one clinic runs). A throwaway PostgreSQL
server is started and stopped (Debian's server programs), like the test suite's.

The mix, per signed-in clinician, weighted as a clinic's day goes (reads far outnumber
writes, a log-in is rare): client search, the client's page (the course), a plan preview, a
session written, a photo thumbnail, and a log-in.

Each configuration is measured twice over. At saturation, each simulated user sends its next
request as soon as the last is answered: the most the servers answer, and the latency when
requests queue. Then at fixed offered rates (each user sending at a steady pace, the users
out of step with each other), a short search for the highest rate at which p95 ≤ 100 ms with no
error: the throughput a clinic gets at the latency it wants.

Run: `.venv/bin/python benchmarks/load.py` (about 8 minutes) or `--quick` (under 3 minutes);
`--json` prints one JSON object last:
`{"postgres": {"1": {...}, "2": {...}}, "sqlite": {"1": {...}}, "load_average": [...]}`. Each
configuration's `rps`, `p50_ms`, `p95_ms`, `p99_ms`, `errors` and `requests` are those of the
fastest paced run that met the goal (`meets_goal`; the slowest paced run when none did), with
its `offered_rps`; `saturation` holds the saturation figures and `steps` every paced run.
`load_average` is the machine's 1-minute load average before and after: figures from a busy
machine are not comparable. Goals: 0 errors, p95 ≤ 100 ms, and 2 workers ≥ 1.6× the
throughput of 1 (where the machine has the cores for it: the load generator, PostgreSQL and the
workers share them).
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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
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

GOAL_P95_MS = 100
# The offered rates tried, as fractions of the saturation throughput: a bisection that starts
# at half and takes `steps` turns.
FIRST_FRACTION = 0.5
SPAWN_S = 1.0


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    requests: int
    p95_by_request_ms: dict[str, float] = field(default_factory=dict)
    # Each failure as locust saw it ("GET course page: HTTPError('500 ...')") and how often.
    error_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def meets_goal(self) -> bool:
        return self.errors == 0 and self.requests > 0 and self.p95_ms <= GOAL_P95_MS


@dataclass(frozen=True)
class Paced:
    """One run at a fixed offered rate."""

    offered_rps: float
    figures: Figures


@dataclass(frozen=True)
class Clinic:
    """What the simulated users work on: the demo clinic's clients and photos, and the
    clinician's token that users start with."""

    client_ids: list[int]
    photo_ids: list[int]
    today: str
    auth: dict[str, str]


class Clinician(FastHttpUser):
    """One clinician at work: the mix of requests a clinic sends, no pause between them."""

    wait_time = constant(0)
    clinic: ClassVar[Clinic]

    def on_start(self) -> None:
        # Starting signed in: the log-ins of users starting together would otherwise crowd
        # the first seconds measured, far above the mix's share of log-ins.
        self.auth = dict(self.clinic.auth)

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
    def photo_thumbnail(self) -> None:
        photo_id = random.choice(self.clinic.photo_ids)
        self.client.get(
            f"/api/v1/photos/{photo_id}/thumbnail", headers=self.auth, name="photo thumbnail"
        )


class PacedClinician(Clinician):
    """A clinician who sends a request every `1 / rate` seconds (the next at once when one
    takes longer), the first at a random point of the first period. Users started together
    would otherwise send together (locust's `constant_throughput` paces each user from the
    moment it was made), each request waiting behind the others of its burst."""

    rate: ClassVar[float]

    def on_start(self) -> None:
        super().on_start()
        self.next_at = time.monotonic() + random.uniform(0, 1 / self.rate)
        gevent.sleep(self.next_at - time.monotonic())

    def wait_time(self) -> float:
        now = time.monotonic()
        self.next_at = max(self.next_at + 1 / self.rate, now)
        return self.next_at - now


def paced(rate: float, users: int) -> type[Clinician]:
    """Clinicians who together offer `rate` requests a second."""
    return type("Paced", (PacedClinician,), {"rate": rate / users})


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
    auth = {"Authorization": f"Bearer {token}", "Cookie": f"mn_session={token}"}
    return Clinic(client_ids=ids, photo_ids=photos, today=today, auth=auth)


def measure(
    base: str, user_class: type[Clinician], users: int, warm_up_s: float, seconds: float
) -> Figures:
    """Run the mix against `base`; the figures of the measured window (after the warm-up)."""
    environment = Environment(user_classes=[user_class], host=base)
    runner = environment.create_local_runner()
    # Users arrive over the first second, as clinicians do, not at one instant: the workers
    # of a server share one listening socket, and connections opened at one instant are
    # mostly accepted by one of them, which then serves them all for as long as they last.
    runner.start(users, spawn_rate=users / SPAWN_S)
    gevent.sleep(warm_up_s)
    environment.stats.reset_all()
    started = time.monotonic()
    gevent.sleep(seconds)
    total = environment.stats.total
    # The window as it was: on a busy machine the load generator may wake late.
    elapsed = time.monotonic() - started
    figures = Figures(
        rps=round(total.num_requests / elapsed, 1),
        p50_ms=float(total.get_response_time_percentile(0.50) or 0),
        p95_ms=float(total.get_response_time_percentile(0.95) or 0),
        p99_ms=float(total.get_response_time_percentile(0.99) or 0),
        errors=total.num_failures,
        requests=total.num_requests,
        p95_by_request_ms={
            name: float(entry.get_response_time_percentile(0.95) or 0)
            for (name, _method), entry in environment.stats.entries.items()
        },
        error_kinds={
            f"{error.method} {error.name}: {error.error}": error.occurrences
            for error in environment.stats.errors.values()
        },
    )
    runner.quit()
    return figures


def search(
    base: str, saturation: Figures, args: argparse.Namespace, deadline: float
) -> list[Paced]:
    """Paced runs at offered rates bisecting between none and the saturation throughput: up
    when a run meets the goal, down when it does not; at least one, and no more once another
    would end after `deadline` (monotonic seconds)."""
    low, high, fraction = 0.0, 1.0, FIRST_FRACTION
    runs: list[Paced] = []
    for _ in range(args.steps):
        if runs and time.monotonic() + sum(args.step) > deadline:
            break
        rate = max(round(saturation.rps * fraction, 1), 1.0)
        figures = measure(base, paced(rate, args.paced_users), args.paced_users, *args.step)
        runs.append(Paced(offered_rps=rate, figures=figures))
        print(f"    offered {rate} req/s: {_line(figures)}", file=sys.stderr)
        low, high = (fraction, high) if figures.meets_goal else (low, fraction)
        fraction = (low + high) / 2
    return runs


def _line(figures: Figures) -> str:
    return (
        f"{figures.rps} req/s, p50 {figures.p50_ms:g} p95 {figures.p95_ms:g} "
        f"p99 {figures.p99_ms:g} ms, {figures.errors} errors; p95 by request "
        f"{ {name: round(ms) for name, ms in figures.p95_by_request_ms.items()} }"
    )


def demo(settings: dict[str, str]) -> None:
    """The demo clinic in the database these settings name (its schema made first)."""
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run(
            [sys.executable, "-m", "microneedling", *command],
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


def run(
    workers: int, settings: dict[str, str], args: argparse.Namespace, deadline: float
) -> dict[str, Any]:
    """One configuration: saturation, then the paced search; the report's entry for it."""
    with serving(settings, workers=workers) as base:
        Clinician.clinic = clinic_at(base)
        saturation = measure(base, Clinician, args.users, *args.saturation)
        print(f"  {workers} worker(s) at saturation: {_line(saturation)}", file=sys.stderr)
        steps = search(base, saturation, args, deadline)
    passed = [step for step in steps if step.figures.meets_goal]
    best = (
        max(passed, key=lambda step: step.figures.rps)
        if passed
        else min(steps, key=lambda step: step.offered_rps)
    )
    return {
        **asdict(best.figures),
        "offered_rps": best.offered_rps,
        "meets_goal": best.figures.meets_goal,
        "saturation": asdict(saturation),
        "steps": [{"offered_rps": step.offered_rps, **asdict(step.figures)} for step in steps],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs (under 3 minutes)")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument("--users", type=int, default=16, help="clinicians at saturation")
    parser.add_argument("--paced-users", type=int, default=16, help="clinicians when paced")
    args = parser.parse_args()
    # (warm-up, measured) seconds at saturation and for each paced step, and the steps.
    args.saturation, args.step, args.steps = (
        ((2, 8), (2, 5), 3) if args.quick else ((5, 40), (5, 25), 5)
    )
    # A paced search stops where what is left of the time allowed is only enough for the
    # configurations still to come: each needs a start, its saturation run and one step.
    started, allowed = time.monotonic(), 160 if args.quick else 480
    reserve: float = 15 + sum(args.saturation) + sum(args.step)

    def deadline(configuration: int) -> float:
        return started + allowed - (3 - configuration) * reserve

    base = {
        "MICRONEEDLING_ENVIRONMENT": "production",
        "MICRONEEDLING_SECRET_KEY": SECRET,
    }
    load_before = round(os.getloadavg()[0], 2)
    print(f"load average (1 min) before: {load_before}", file=sys.stderr)
    results: dict[str, dict[str, dict[str, Any]]] = {"postgres": {}, "sqlite": {}}
    with tempfile.TemporaryDirectory() as work:
        print("PostgreSQL (photos in the database):", file=sys.stderr)
        with running_postgres() as server:
            for workers in (1, 2):
                # A fresh clinic each time: the sessions that one run writes would make the
                # next run's course pages longer.
                with postgres_database(server) as url:
                    settings = {
                        **base,
                        "MICRONEEDLING_DATABASE_URL": url,
                        "MICRONEEDLING_PHOTO_STORE": "postgres",
                        "MICRONEEDLING_DATA_DIR": str(Path(work) / f"postgres_{workers}"),
                    }
                    demo(settings)
                    results["postgres"][str(workers)] = run(
                        workers, settings, args, deadline(workers)
                    )
        print("SQLite (photos on disk):", file=sys.stderr)
        settings = {**base, "MICRONEEDLING_DATA_DIR": str(Path(work) / "sqlite")}
        demo(settings)
        results["sqlite"]["1"] = run(1, settings, args, deadline(3))
    load_after = round(os.getloadavg()[0], 2)
    print(f"load average (1 min) after: {load_after}", file=sys.stderr)
    one, two = results["postgres"]["1"], results["postgres"]["2"]
    met = one["meets_goal"] and two["meets_goal"]
    at_goal = f"{two['rps'] / max(one['rps'], 0.1):.2f}×" if met else "goal not met by both"
    at_saturation = two["saturation"]["rps"] / max(one["saturation"]["rps"], 0.1)
    print(
        f"2 workers / 1 worker on PostgreSQL: at p95 ≤ {GOAL_P95_MS} ms {at_goal}, "
        f"at saturation {at_saturation:.2f}×",
        file=sys.stderr,
    )
    report: dict[str, Any] = {**results, "load_average": [load_before, load_after]}
    if args.json:
        print(json.dumps(report))
    else:
        for database, runs in results.items():
            for count, figures in runs.items():
                print(
                    f"{database:<9} {count} worker(s): {figures['rps']} req/s at p95 "
                    f"{figures['p95_ms']:g} ms, {figures['errors']} errors "
                    f"(goal {'met' if figures['meets_goal'] else 'not met'}); saturation "
                    f"{figures['saturation']['rps']} req/s at p95 "
                    f"{figures['saturation']['p95_ms']:g} ms"
                )


if __name__ == "__main__":
    try:
        main()
    except PostgresUnavailable as error:
        sys.exit(f"The load test needs PostgreSQL's server programs: {error}")
