"""`microneedling worker --once` and the worker that `serve` runs (or not, with --no-worker),
sending to a real SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from tests.services.test_reminders import ADDRESS, consenting_course, log_session
from tests.smtp_server import SmtpServer, free_port, smtp_server
from tests.world import CLOCK, World

from microneedling.records.models import Job

COMMAND = [sys.executable, "-m", "microneedling"]


@pytest.fixture
def mail() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def env(world: World, mail: SmtpServer, tmp_path: Path) -> dict[str, str]:
    """A clinic with one aftercare reminder due, and the settings to send it."""
    client, plan = consenting_course(world)
    log_session(world, client.id, plan.id)
    with world.records.transaction() as db:
        db.execute(update(Job).values(run_at=CLOCK.now().replace(year=2000)))
    return {
        **os.environ,
        "MICRONEEDLING_ENVIRONMENT": "development",
        "MICRONEEDLING_DATA_DIR": str(tmp_path / "cli-data"),
        "MICRONEEDLING_DATABASE_URL": world.records.settings.database_url,
        "MICRONEEDLING_SMTP_HOST": mail.host,
        "MICRONEEDLING_SMTP_PORT": str(mail.port),
        "MICRONEEDLING_SMTP_TLS": "none",
        "MICRONEEDLING_SMTP_SENDER": "clinic@a.example",
        "MICRONEEDLING_PUBLIC_URL": "https://clinic.example",
        "MICRONEEDLING_WORKER_POLL_SECONDS": "0.1",
    }


def test_worker_once_sends_what_is_due_and_exits(env: dict[str, str], mail: SmtpServer) -> None:
    done = subprocess.run(
        [*COMMAND, "worker", "--once"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Ran 1 jobs." in done.stdout
    assert len(mail.inbox.to(ADDRESS)) == 1
    again = subprocess.run(
        [*COMMAND, "worker", "--once"], env=env, capture_output=True, text=True, check=False
    )
    assert "Ran 0 jobs." in again.stdout
    assert mail.inbox.count() == 1


def test_a_wrong_smtp_setting_exits_2_naming_it(env: dict[str, str]) -> None:
    env = {**env, "MICRONEEDLING_SMTP_TLS": "sometimes"}
    done = subprocess.run(
        [*COMMAND, "worker", "--once"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "MICRONEEDLING_SMTP_TLS" in done.stderr and "Traceback" not in done.stderr


def _serve_for(env: dict[str, str], seconds: float, mail: SmtpServer, *options: str) -> None:
    """Serve until a message arrives or `seconds` pass."""
    server = subprocess.Popen(
        [*COMMAND, "serve", "--port", str(free_port()), *options],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + seconds
        while mail.inbox.count() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_runs_the_jobs_unless_told_not_to(env: dict[str, str], mail: SmtpServer) -> None:
    _serve_for(env, 4, mail, "--no-worker")
    assert mail.inbox.count() == 0
    _serve_for(env, 30, mail)
    assert len(mail.inbox.to(ADDRESS)) == 1
