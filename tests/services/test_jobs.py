"""The job queue on SQLite and PostgreSQL: one job per key, leases, back-off, and several
workers at once that never run a job twice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select
from tests.concurrency import at_once
from tests.world import CLOCK

from microneedling.records.models import Job
from microneedling.services.clock import Clock
from microneedling.services.common import Records
from microneedling.services.jobs import (
    JobRun,
    LeaseLost,
    cancel,
    claim,
    enqueue,
    retry_delay,
    run_due,
)

NOW = CLOCK.now()


def at(records: Records, moment: dt.datetime) -> Records:
    return dataclasses.replace(records, clock=Clock(fixed=moment))


def queue(records: Records, key: str, run_at: dt.datetime = NOW, kind: str = "test") -> None:
    with records.transaction() as db:
        enqueue(db, kind=kind, key=key, run_at=run_at, payload={"key": key})


def job(records: Records, key: str) -> Job:
    with records.transaction() as db:
        return db.scalars(select(Job).where(Job.key == key)).one()


def test_a_key_is_queued_once_and_a_queued_job_takes_the_new_time(records: Records) -> None:
    queue(records, "a", NOW)
    queue(records, "a", NOW + dt.timedelta(hours=1))
    with records.transaction() as db:
        assert [(j.key, j.run_at) for j in db.scalars(select(Job))] == [
            ("a", NOW + dt.timedelta(hours=1))
        ]


def test_a_job_that_ran_is_not_queued_again(records: Records) -> None:
    queue(records, "a")
    assert run_due(records, {"test": lambda run: "ok"}) == 1
    queue(records, "a", NOW)
    assert run_due(records, {"test": lambda run: "ok"}) == 0
    assert (job(records, "a").state, job(records, "a").outcome) == ("done", "ok")


def test_only_due_jobs_run_and_a_cancelled_one_never(records: Records) -> None:
    queue(records, "now")
    queue(records, "later", NOW + dt.timedelta(minutes=1))
    queue(records, "cancelled")
    with records.transaction() as db:
        assert cancel(db, "cancelled")
    ran: list[str] = []
    handlers = {"test": lambda run: ran.append(run.job.key)}
    assert run_due(records, handlers) == 1
    assert ran == ["now"]
    assert run_due(at(records, NOW + dt.timedelta(minutes=1)), handlers) == 1
    assert ran == ["now", "later"]
    assert job(records, "cancelled").state == "cancelled"


def _fail(run: JobRun) -> str:
    raise ConnectionError("SMTP server down")


def test_a_failing_job_is_retried_with_exponential_back_off_then_fails(
    records: Records,
) -> None:
    settings = records.settings
    base = settings.job_retry_base_seconds
    queue(records, "flaky")
    moment = NOW
    for attempt in range(1, settings.job_max_attempts):
        assert run_due(at(records, moment), {"test": _fail}) == 1
        row = job(records, "flaky")
        assert (row.state, row.attempts) == ("queued", attempt)
        assert row.run_at == moment + dt.timedelta(seconds=base * 2 ** (attempt - 1))
        assert row.last_error == "ConnectionError: SMTP server down"
        assert run_due(at(records, row.run_at - dt.timedelta(seconds=1)), {"test": _fail}) == 0
        moment = row.run_at
    assert run_due(at(records, moment), {"test": _fail}) == 1
    row = job(records, "flaky")
    assert (row.state, row.attempts) == ("failed", settings.job_max_attempts)


@pytest.mark.parametrize("attempt", [1, 2, 5])
def test_the_back_off_doubles(attempt: int) -> None:
    assert retry_delay(attempt + 1, 30) == 2 * retry_delay(attempt, 30)


def test_a_job_of_an_unknown_kind_fails_rather_than_vanishing(records: Records) -> None:
    queue(records, "x", kind="nobody")
    assert run_due(records, {}) == 1
    row = job(records, "x")
    assert row.state == "queued"
    assert row.last_error == "no handler for jobs of kind 'nobody'"


def test_a_stopped_workers_job_is_taken_over_when_its_lease_runs_out(records: Records) -> None:
    queue(records, "a")
    first = claim(records, "stopped worker")
    assert first is not None
    lease = dt.timedelta(seconds=records.settings.job_lease_seconds)
    assert claim(at(records, NOW + lease), "second worker") is None  # still leased
    second = claim(at(records, NOW + lease + dt.timedelta(seconds=1)), "second worker")
    assert second is not None
    assert (second.id, second.attempt) == (first.id, 2)
    with pytest.raises(LeaseLost), records.transaction() as db:
        JobRun(records, first).finish(db)  # the first worker woke up too late
    with records.transaction() as db:
        JobRun(records, second).finish(db)
    assert job(records, "a").state == "done"


def test_a_job_whose_last_attempt_stopped_its_worker_fails(records: Records) -> None:
    queue(records, "poison")
    lease = dt.timedelta(seconds=records.settings.job_lease_seconds + 1)
    moment = NOW
    for _ in range(records.settings.job_max_attempts):
        assert claim(at(records, moment), "a worker that dies") is not None
        moment += lease
    assert claim(at(records, moment), "next") is None
    row = job(records, "poison")
    assert (row.state, row.last_error) == ("failed", "the worker running its last attempt stopped")


def test_several_workers_at_once_never_run_a_job_twice(records: Records) -> None:
    keys = [f"job-{number}" for number in range(120)]
    with records.transaction() as db:
        for key in keys:
            enqueue(db, kind="test", key=key, run_at=NOW, payload={})
    runs: Counter[str] = Counter()
    workers: set[str] = set()
    lock = threading.Lock()

    def handle(run: JobRun) -> None:
        time.sleep(0.002)
        with lock:
            runs[run.job.key] += 1
            workers.add(run.job.worker)

    results = at_once([lambda: run_due(records, {"test": handle}) for _ in range(6)])
    assert sum(r for r in results if isinstance(r, int)) == len(keys), results
    assert runs == Counter(keys)
    assert len(workers) > 1
    with records.transaction() as db:
        assert set(db.scalars(select(Job.state))) == {"done"}
