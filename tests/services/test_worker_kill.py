"""`microneedling worker` killed with SIGKILL in the middle of a batch, then started again:
each message arrives exactly once at a real SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select, update
from tests.services.test_reminders import consenting_course, log_session
from tests.smtp_server import smtp_server
from tests.world import CLOCK, World

from microneedling.records.models import Job, Message

SOURCE = Path(__file__).resolve().parents[2] / "src"
MESSAGES = 16
LEASE_SECONDS = 2


def worker_env(world: World, host: str, port: int) -> dict[str, str]:
    settings = world.records.settings
    return {
        **os.environ,
        "PYTHONPATH": str(SOURCE),
        "MICRONEEDLING_ENVIRONMENT": "test",
        "MICRONEEDLING_SECRET_KEY": settings.signing_key,
        "MICRONEEDLING_DATA_DIR": str(settings.data_dir),
        "MICRONEEDLING_DATABASE_URL": settings.database_url,
        "MICRONEEDLING_SMTP_HOST": host,
        "MICRONEEDLING_SMTP_PORT": str(port),
        "MICRONEEDLING_SMTP_TLS": "none",
        "MICRONEEDLING_SMTP_SENDER": "clinic@a.example",
        "MICRONEEDLING_PUBLIC_URL": "https://clinic.example",
        "MICRONEEDLING_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "MICRONEEDLING_WORKER_POLL_SECONDS": "0.05",
    }


def test_a_worker_killed_mid_batch_sends_each_message_exactly_once(world: World) -> None:
    client, plan = consenting_course(world)
    for _ in range(MESSAGES - 1):  # an aftercare reminder each, and a review at the end
        log_session(world, client.id, plan.id)
    with world.records.transaction() as db:  # every reminder due now, by any clock
        db.execute(update(Job).values(run_at=CLOCK.now().replace(year=2000)))
        assert len(db.scalars(select(Job)).all()) == MESSAGES
    command = [sys.executable, "-m", "microneedling", "worker"]
    with smtp_server() as server:
        server.inbox.delay_seconds = 0.05  # the worker spends its time inside the SMTP talk
        env = worker_env(world, server.host, server.port)
        worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while server.inbox.count() < MESSAGES // 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        killed_after = server.inbox.count()
        assert 0 < killed_after < MESSAGES
        time.sleep(LEASE_SECONDS + 0.5)  # the killed worker's lease runs out
        again = subprocess.run(
            [*command, "--once"], check=False, env=env, capture_output=True, text=True
        )
        assert again.returncode == 0, again.stderr
        arrived = [m["Message-ID"] for m in server.inbox.messages]
    with world.records.transaction() as db:
        recorded = list(db.scalars(select(Message.message_id)))
        states = list(db.scalars(select(Job.state)))
    assert len(arrived) == MESSAGES
    assert sorted(arrived) == sorted(recorded)
    assert states == ["done"] * MESSAGES
