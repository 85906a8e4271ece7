"""Races against a real server on 127.0.0.1, on SQLite and PostgreSQL: writes during an
erasure, an upload of the erased client's photo for another client, eight simultaneous
amendments of one record and eight simultaneous user creations with one e-mail.

Run: `.venv/bin/python benchmarks/races.py` (a throwaway PostgreSQL server is started when
Debian's server programs exist). Each probe runs a bounded number of rounds through the
demo clinic's users over HTTP and prints how many rounds went wrong; all should be 0.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

CLINICAL_TABLES = ("intakes", "plans", "consents", "sessions", "photos", "scores")
META = {"view": "front", "taken_on": "2026-01-02"}


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        try:
            return call()
        except Exception as error:
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def png(seed: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (seed % 256, (seed * 7) % 256, 99)).save(out, "PNG")
    return out.getvalue()


def status(answer: Any) -> int | str:
    return answer.status_code if isinstance(answer, httpx.Response) else type(answer).__name__


@contextmanager
def served(database_url: str, data_dir: Path) -> Iterator[str]:
    """The demo clinic served on a free loopback port, two workers."""
    env = {
        **os.environ,
        "MICRONEEDLING_ENVIRONMENT": "development",
        "MICRONEEDLING_DATA_DIR": str(data_dir),
        "MICRONEEDLING_DATABASE_URL": database_url,
    }
    command = [sys.executable, "-m", "microneedling"]
    for step in (["db", "upgrade"], ["demo"]):
        subprocess.run([*command, *step], env=env, check=True, capture_output=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(150):
            try:
                httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        server.terminate()
        _out, errors = server.communicate(timeout=20)
        print(f"  server tracebacks: {errors.decode().count('Traceback')}")


def probe(database_url: str, rounds: dict[str, int]) -> None:  # noqa: PLR0915 - four probes
    with tempfile.TemporaryDirectory() as work, served(database_url, Path(work)) as api:
        http = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=32))
        engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))

        def token(role: str) -> dict[str, str]:
            form = {"username": f"{role}@demo.example", "password": f"demo-{role}-2026"}
            answer = http.post(f"{api}/auth/token", data=form)
            answer.raise_for_status()
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        owner, clinician = token("owner"), token("clinician")

        def new_client(name: str) -> int:
            body = {
                "given_name": name,
                "family_name": "Probe",
                "birth_date": "1990-01-01",
                "phototype": 2,
            }
            answer = http.post(f"{api}/clients", json=body, headers=clinician)
            answer.raise_for_status()
            return int(answer.json()["id"])

        def intake(client_id: int) -> int:
            url = f"{api}/clients/{client_id}/intakes"
            return int(http.post(url, json={"answers": {}}, headers=clinician).json()["id"])

        def upload(client_id: int, content: bytes) -> httpx.Response:
            return http.post(
                f"{api}/clients/{client_id}/photos",
                files={"file": ("a.png", content, "image/png")},
                data=META,
                headers=clinician,
            )

        def erase(client_id: int) -> Callable[[], httpx.Response]:
            return lambda: http.delete(f"{api}/clients/{client_id}", headers=owner)

        seen: Counter[int | str] = Counter()
        left = 0
        for n in range(rounds["erasure"]):
            client_id = new_client(f"Erase{n}")
            first = intake(client_id)
            writes: list[Callable[[], Any]] = [
                lambda c=client_id: http.post(
                    f"{api}/clients/{c}/intakes", json={"answers": {}}, headers=clinician
                ),
                lambda c=client_id, n=n: upload(c, png(n)),
                lambda f=first: http.post(
                    f"{api}/intakes/{f}/amendments",
                    json={"changes": {"answers": {"fitzpatrick": 3}}, "reason": "probe"},
                    headers=clinician,
                ),
                lambda c=client_id: http.patch(
                    f"{api}/clients/{c}", json={"version": 1, "notes": "probe"}, headers=clinician
                ),
            ] * 2
            seen.update(map(status, at_once([erase(client_id), *writes])))
            with engine.connect() as db:
                rows = sum(
                    db.execute(
                        text(f"SELECT count(*) FROM {table} WHERE client_id = :c"), {"c": client_id}
                    ).scalar_one()
                    for table in CLINICAL_TABLES
                )
                named = db.execute(
                    text("SELECT count(*) FROM clients WHERE id = :c AND notes IS NOT NULL"),
                    {"c": client_id},
                ).scalar_one()
            left += bool(rows or named)
        print(f"  erasure during writes: data left in {left} of {rounds['erasure']} rounds {seen}")

        seen, lost = Counter(), 0
        for n in range(rounds["photo"]):
            leaving, staying = new_client(f"Leave{n}"), new_client(f"Stay{n}")
            content = png(1000 + n)
            upload(leaving, content).raise_for_status()
            again: Callable[[], Any] = lambda s=staying, c=content: upload(s, c)  # noqa: E731
            outcomes = at_once([erase(leaving), again, again, again])
            seen.update(map(status, outcomes))
            confirmed = [o.json()["id"] for o in outcomes[1:] if status(o) == 201]
            files = [http.get(f"{api}/photos/{i}/file", headers=clinician) for i in confirmed]
            lost += any(answer.status_code != 200 for answer in files)
        print(f"  erasure during upload: a file lost in {lost} of {rounds['photo']} rounds {seen}")

        seen, forked = Counter(), 0
        for n in range(rounds["amend"]):
            original = intake(new_client(f"Amend{n}"))
            change = [
                lambda k=k, o=original: http.post(
                    f"{api}/intakes/{o}/amendments",
                    json={"changes": {"answers": {"fitzpatrick": 1 + k % 6}}, "reason": "probe"},
                    headers=clinician,
                )
                for k in range(8)
            ]
            seen.update(map(status, at_once(change)))
            with engine.connect() as db:
                versions = db.execute(
                    text("SELECT count(*) FROM intakes WHERE supersedes_id = :i"), {"i": original}
                ).scalar_one()
            forked += versions > 1
        print(f"  8 amendments at once: forked in {forked} of {rounds['amend']} rounds {seen}")

        seen = Counter()
        for n in range(rounds["users"]):
            body = {
                "email": f"twin{n}@demo.example",
                "full_name": "Twin",
                "role": "assistant",
                "password": "x" * 12,
            }
            create = [lambda b=body: http.post(f"{api}/users", json=b, headers=owner)] * 8
            seen.update(map(status, at_once(create)))
        fives = sum(
            count for code, count in seen.items() if not isinstance(code, int) or code >= 500
        )
        print(
            f"  8 creations of one e-mail: {fives} answers 5xx in {rounds['users']} rounds {seen}"
        )
        engine.dispose()


@contextmanager
def postgres_url() -> Iterator[str | None]:
    from tests.postgres_server import PostgresUnavailable, running_postgres

    try:
        with running_postgres() as server:
            admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text("CREATE DATABASE races"))
            admin.dispose()
            yield server.url("races")
    except PostgresUnavailable as error:
        print(f"PostgreSQL: skipped ({error})")
        yield None


def main() -> None:
    rounds = {"erasure": 20, "photo": 30, "amend": 25, "users": 70}
    with tempfile.TemporaryDirectory() as work:
        print("SQLite")
        probe(f"sqlite:///{Path(work) / 'races.db'}", rounds)
    with postgres_url() as url:
        if url:
            print("PostgreSQL")
            probe(url, rounds)


if __name__ == "__main__":
    main()
