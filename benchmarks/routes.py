"""Time each request of the load test's mix in-process, one at a time, on the demo clinic: the
cost of a request without the queueing a load adds, to find which route to make faster.

Run: `.venv/bin/python benchmarks/routes.py [--postgres] [--repeat N] [--profile NAME]`;
`--profile` prints the cProfile of that request (e.g. `--profile "course page"`). Prints the
median and the 95th percentile in ms per request, and the number of SQL statements each sends.
The app runs in this thread (what a worker would hand to its thread pool is called directly),
so the profile sees all of a request's work.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
from pydantic import SecretStr
from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.mix import EMAIL, PASSWORD, PLAN_REQUEST, SECRET  # noqa: E402
from tests.postgres_server import running_postgres  # noqa: E402

from microneedling.config import Settings  # noqa: E402
from microneedling.records.database import engine_for, upgrade  # noqa: E402
from microneedling.services.common import Records  # noqa: E402
from microneedling.services.demo import create_demo  # noqa: E402
from microneedling.web.app import create_app  # noqa: E402

Http = httpx.AsyncClient
Request = Callable[[Http, dict[str, str], int, int], Awaitable[httpx.Response]]


def _log_in(
    http: Http, _auth: dict[str, str], _client: int, _photo: int
) -> Awaitable[httpx.Response]:
    return http.post("/api/v1/auth/token", data={"username": EMAIL, "password": PASSWORD})


MIX: dict[str, Request] = {
    "log-in": _log_in,
    "client search": lambda http, auth, _c, _p: http.get(
        "/api/v1/clients", params={"q": "ha", "limit": "20"}, headers=auth
    ),
    "course page": lambda http, auth, client, _p: http.get(f"/clients/{client}", headers=auth),
    "plan preview": lambda http, auth, _c, _p: http.post(
        "/api/v1/plans/preview", json=PLAN_REQUEST, headers=auth
    ),
    "session write": lambda http, auth, client, _p: http.post(
        f"/api/v1/clients/{client}/sessions",
        json={
            "performed_on": time.strftime("%Y-%m-%d", time.gmtime()),
            "device": "pen",
            "single_use": True,
            "zones": [{"zone": "cheeks", "needle_mm": 0.5}],
            "confirm_departures": True,
            "departure_reason": "recorded by the route timing",
        },
        headers=auth,
    ),
    "photo thumbnail": lambda http, auth, _c, photo: http.get(
        f"/api/v1/photos/{photo}/thumbnail", headers=auth
    ),
}


@contextmanager
def database(postgres: bool) -> Iterator[str]:
    if not postgres:
        with tempfile.TemporaryDirectory() as work:
            yield f"sqlite:///{work}/records.db"
        return
    from sqlalchemy import create_engine, text

    with running_postgres() as server:
        admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE routes"))
        admin.dispose()
        yield server.url("routes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL (else SQLite)")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--profile", help="print the cProfile of this request of the mix")
    parser.add_argument("--sort", default="tottime", help="the profile's order (pstats' keys)")
    parser.add_argument("--lines", default="40", help="how much of the profile: a count or a regex")
    args = parser.parse_args()
    with database(args.postgres) as url, tempfile.TemporaryDirectory() as data:
        settings = Settings(
            environment="production",
            secret_key=SecretStr(SECRET),
            data_dir=Path(data),
            database_url=url,
            photo_store="postgres" if args.postgres else "local",
        )
        engine = engine_for(settings)
        upgrade(engine)
        records = Records.open(settings)
        create_demo(records)
        statements = [0]
        event.listen(
            records.engine,
            "before_cursor_execute",
            lambda *_args: statements.__setitem__(0, statements[0] + 1),
        )
        anyio.run(time_mix, create_app(settings), records, statements, args)


async def _in_this_thread(function: Callable[..., Any], *args: Any, **_options: Any) -> Any:
    return function(*args)


async def time_mix(app: Any, records: Records, statements: list[int], args: Any) -> None:
    app.state.records = records
    anyio.to_thread.run_sync = _in_this_thread  # type: ignore[assignment]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        token = (await _log_in(http, {}, 0, 0)).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}", "Cookie": f"mn_session={token}"}
        listed = await http.get("/api/v1/clients", params={"limit": 200}, headers=auth)
        client = listed.json()["items"][0]["id"]
        timeline = (await http.get(f"/api/v1/clients/{client}/timeline", headers=auth)).json()
        photo = next(e["id"] for e in timeline if e["kind"] == "photo")
        for name, send in MIX.items():
            answer = await send(http, auth, client, photo)
            assert answer.status_code < 300, (name, answer.status_code, answer.text)
            timings, statements[0] = [], 0
            for _ in range(args.repeat):
                start = time.perf_counter()
                await send(http, auth, client, photo)
                timings.append((time.perf_counter() - start) * 1000)
            per_request = statements[0] / args.repeat
            p95 = statistics.quantiles(timings, n=20)[-1]
            print(
                f"{name:<16} median {statistics.median(timings):6.1f} ms  p95 {p95:6.1f} ms"
                f"  {per_request:5.1f} SQL statements"
            )
            if name == args.profile:
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(args.repeat):
                    await send(http, auth, client, photo)
                profile.disable()
                shown = int(args.lines) if args.lines.isdigit() else args.lines
                pstats.Stats(profile).sort_stats(args.sort).print_stats(shown)


if __name__ == "__main__":
    main()
