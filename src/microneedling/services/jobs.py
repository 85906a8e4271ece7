"""A durable job queue in the clinic's own database, on SQLite and PostgreSQL alike.

No queue library serves both databases through SQLAlchemy, so the queue is one table (`jobs`):
a job has a kind (which handler runs it), a unique key (the same work is never queued twice),
a JSON payload and the time it is due. A worker *claims* a due job in a short transaction —
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers take different jobs, and SQLite's one
writer at a time — and holds it under a lease: a worker killed mid-job leaves the lease to run
out, and the next worker takes the job over. A job that fails is retried with exponential
back-off, up to `job_max_attempts`; then it stays `failed`, with its last error, for a person.

A handler finishes its job itself when the finish must commit with its own writes (a message
records itself sent in the transaction that marks its job done); otherwise the runner does.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from microneedling.records.database import begin_write
from microneedling.records.models import Job
from microneedling.services.common import Output, Records

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
ERROR_MAX_CHARS = 2000


class LeaseLost(RuntimeError):
    """The job's lease ran out and another worker took it over (or it was cancelled)."""


@dataclass(frozen=True)
class ClaimedJob:
    """A job as a worker claimed it: what to do, and whose lease it is under."""

    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    client_id: int | None
    attempt: int
    worker: str


@dataclass
class JobRun:
    """One attempt at a job, handed to its handler."""

    records: Records
    job: ClaimedJob
    finished: bool = field(default=False, init=False)

    def finish(self, db: Session, outcome: str | None = None) -> None:
        """Mark the job done inside the caller's transaction, so it commits with the caller's
        own writes; `LeaseLost` if this worker no longer holds the job."""
        row = _held(db, self.job)
        row.state = "done"
        row.outcome = outcome[:200] if outcome else None
        row.finished_at = self.records.clock.now()
        row.locked_by = None
        row.locked_until = None
        self.finished = True


Handler = Callable[[JobRun], str | None]
Handlers = Mapping[str, Handler]


def new_worker_id() -> str:
    """A name no other worker has: host, process and a random part."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def enqueue(
    db: Session,
    *,
    kind: str,
    key: str,
    run_at: dt.datetime,
    payload: dict[str, Any],
    client_id: int | None = None,
) -> None:
    """Queue a job in the caller's transaction. A key already queued gets the new time and
    payload; a key already run (or running) is left alone, so the same work never runs twice."""
    values = {
        "kind": kind,
        "key": key,
        "payload": payload,
        "client_id": client_id,
        "run_at": run_at,
        "state": "queued",
        "attempts": 0,
    }
    dialect = db.connection().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    inserted = db.execute(
        insert(Job)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Job.id)
    ).first()
    if inserted is None:
        db.execute(
            update(Job)
            .where(Job.key == key, Job.state == "queued")
            .values(run_at=run_at, payload=payload, kind=kind)
        )


def cancel(db: Session, key: str) -> bool:
    """Cancel a job that has not started yet; whether there was one."""
    result = db.execute(
        update(Job).where(Job.key == key, Job.state == "queued").values(state="cancelled")
    )
    return bool(cast(CursorResult[Any], result).rowcount)


def _held(db: Session, job: ClaimedJob) -> Job:
    """The job's row, locked, if this worker still holds it."""
    begin_write(db)
    row = db.get(Job, job.id, with_for_update=True, populate_existing=True)
    if row is None or row.state != "running" or row.locked_by != job.worker:
        raise LeaseLost(f"job {job.id} ({job.key}) is no longer held by this worker")
    return row


def claim(records: Records, worker: str) -> ClaimedJob | None:
    """Take the next due job under a lease: a queued job whose time has come, or a running one
    whose worker's lease ran out. A job whose lease ran out on its last attempt fails instead
    (it may be what stopped its worker)."""
    settings = records.settings
    now = records.clock.now()
    due = or_(
        and_(Job.state == "queued", Job.run_at <= now),
        and_(Job.state == "running", Job.locked_until < now),
    )
    query = select(Job).where(due).order_by(Job.run_at, Job.id).limit(1)
    with records.transaction() as db:
        begin_write(db)
        while (row := db.scalar(query.with_for_update(skip_locked=True))) is not None:
            if row.state == "running" and row.attempts >= settings.job_max_attempts:
                row.state = "failed"
                row.last_error = "the worker running its last attempt stopped"
                row.locked_by = row.locked_until = None
                row.finished_at = now
                db.flush()
                continue
            row.state = "running"
            row.attempts += 1
            row.locked_by = worker
            row.locked_until = now + dt.timedelta(seconds=settings.job_lease_seconds)
            return ClaimedJob(
                id=row.id,
                kind=row.kind,
                key=row.key,
                payload=dict(row.payload),
                client_id=row.client_id,
                attempt=row.attempts,
                worker=worker,
            )
    return None


def retry_delay(attempt: int, base_seconds: float) -> dt.timedelta:
    """Exponential back-off: base, 2 × base, 4 × base, … after attempts 1, 2, 3, …"""
    return dt.timedelta(seconds=base_seconds * 2 ** (attempt - 1))


def _failed(records: Records, job: ClaimedJob, error: str) -> None:
    """Record a failed attempt: due again after the back-off, or failed for good."""
    settings = records.settings
    with records.transaction() as db:
        try:
            row = _held(db, job)
        except LeaseLost:
            return
        row.last_error = error[:ERROR_MAX_CHARS]
        row.locked_by = None
        row.locked_until = None
        if job.attempt >= settings.job_max_attempts:
            row.state = "failed"
            row.finished_at = records.clock.now()
        else:
            row.state = "queued"
            row.run_at = records.clock.now() + retry_delay(
                job.attempt, settings.job_retry_base_seconds
            )


def run_one(records: Records, handlers: Handlers, worker: str) -> bool:
    """Claim one due job and run it; whether there was one."""
    job = claim(records, worker)
    if job is None:
        return False
    handler = handlers.get(job.kind)
    if handler is None:
        _failed(records, job, f"no handler for jobs of kind {job.kind!r}")
        return True
    run = JobRun(records, job)
    try:
        outcome = handler(run)
        if not run.finished:
            with records.transaction() as db:
                run.finish(db, outcome)
    except LeaseLost:
        log.warning("job %s (%s) was taken over by another worker", job.id, job.key)
    except Exception as error:
        log.warning("job %s (%s) failed: %s", job.id, job.key, error)
        _failed(records, job, f"{type(error).__name__}: {error}")
    return True


def run_due(records: Records, handlers: Handlers, worker: str | None = None) -> int:
    """Run jobs until none is due; how many were run (`microneedling worker --once`)."""
    worker = worker or new_worker_id()
    count = 0
    while run_one(records, handlers, worker):
        count += 1
    return count


def work(records: Records, handlers: Handlers, stop: threading.Event) -> None:
    """Run due jobs until `stop` is set, looking again every `worker_poll_seconds`; an error
    of the database itself is logged and the loop goes on (the next look may succeed)."""
    worker = new_worker_id()
    while not stop.is_set():
        try:
            run_due(records, handlers, worker)
        except Exception:
            log.exception("the worker could not reach the job queue")
        stop.wait(records.settings.worker_poll_seconds)


class JobOut(Output):
    """A job as the reminder status shows it."""

    kind: str
    key: str
    run_at: dt.datetime
    state: str
    attempts: int
    last_error: str | None
    outcome: str | None
