"""Running one step of a job: claim it, keep a heartbeat, record the outcome, hand over to the next step.

Only the Celery message whose id the job names (`job.task_id`) may work on it. A redelivery of that
message (its worker died) carries the same id and takes over; a duplicate sent before the watchdog
re-enqueued the job does not, and is dropped. Each attempt is counted on the step, and a step that has
used up `JOB_MAX_ATTEMPTS` fails the job instead of looping.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from celery import Celery

from common.blobs import BlobStore
from common.config import Settings
from common.jobs import Unchanged, fail, mutate_job
from common.models import (
    ErrorInfo,
    Job,
    JobStatus,
    StepStatus,
    utcnow,
)
from common.queue import enqueue
from common.store import NotFound, Store
from common.telemetry import JOB_OUTCOMES
from worker.errors import PermanentError, RetriesExhausted, TransientError

log = logging.getLogger(__name__)

# Where progress stands when each step starts and ends.
PROGRESS = {"extract": (5, 40), "analyze": (45, 100), "export": (10, 100)}


@dataclass
class StepContext:
    settings: Settings
    store: Store
    blobs: BlobStore
    celery: Celery
    worker: str


class Skip(Exception):
    """This message has no work to do (stale duplicate, finished or canceled job)."""


@dataclass(frozen=True)
class Outcome:
    """What happened, for the Celery task to act on."""

    retry_in: float | None = None  # seconds, when the task should be retried


def run_step(
    ctx: StepContext, step_name: str, owner_email: str, job_id: str, task_id: str, work: Callable[[Job], None]
) -> Outcome:
    """Run `work` as step `step_name` of the job, recording everything on the job record."""
    try:
        job = _claim(ctx, step_name, owner_email, job_id, task_id)
    except Skip as why:
        log.info("skipping %s for job %s: %s", step_name, job_id, why)
        return Outcome()
    except NotFound:
        log.info("job %s is gone (deleted); dropping its %s task", job_id, step_name)
        return Outcome()
    try:
        with _heartbeat(ctx, owner_email, job_id, task_id):
            work(job)
    except PermanentError as exc:
        _fail(ctx, owner_email, job_id, step_name, ErrorInfo(exc.code, exc.message))
        return Outcome()
    except RetriesExhausted as exc:
        _fail(ctx, owner_email, job_id, step_name, ErrorInfo(exc.code, exc.message, transient=True))
        return Outcome()
    except TransientError as exc:
        return _after_transient(ctx, job, step_name, exc)
    _finish(ctx, owner_email, job_id, step_name, task_id)
    return Outcome()


def _claim(ctx: StepContext, step_name: str, owner_email: str, job_id: str, task_id: str) -> Job:
    attempts_exhausted: list[bool] = []

    def change(job: Job) -> None:
        if job.task_id != task_id:
            raise Skip("another message now owns this job")
        if job.status.finished:
            raise Skip(f"job already {job.status}")
        step = job.step(step_name)
        if step.status in (StepStatus.SUCCEEDED, StepStatus.SKIPPED):
            raise Skip("step already done")
        if step.attempts >= ctx.settings.job_max_attempts:
            attempts_exhausted.append(True)
            raise Unchanged
        job.move_to(JobStatus.RUNNING)
        step.status = StepStatus.RUNNING
        step.attempts += 1
        step.started_at = utcnow()
        step.finished_at = None
        step.worker = ctx.worker
        job.worker = ctx.worker
        job.attempts = max(job.attempts, step.attempts)
        job.heartbeat_at = utcnow()
        job.progress = max(job.progress, PROGRESS[step_name][0])

    job = mutate_job(ctx.store, owner_email, job_id, change)
    if attempts_exhausted:
        error = ErrorInfo(
            "attempts_exhausted",
            f"The {step_name} step was interrupted {ctx.settings.job_max_attempts} times; it will not be retried "
            "automatically.",
            transient=True,
        )
        _fail(ctx, owner_email, job_id, step_name, error)
        raise Skip("attempts exhausted")
    return job


@contextmanager
def _heartbeat(ctx: StepContext, owner_email: str, job_id: str, task_id: str) -> Iterator[None]:
    """Touch the job every quarter of the heartbeat bound while the step runs, so the watchdog leaves it be."""
    stop = threading.Event()
    interval = max(0.5, ctx.settings.heartbeat_timeout_seconds / 4)

    def beat(job: Job) -> None:
        if job.task_id != task_id or job.status is not JobStatus.RUNNING:
            raise Unchanged
        job.heartbeat_at = utcnow()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                mutate_job(ctx.store, owner_email, job_id, beat)
            except Exception as exc:  # a missed beat is not fatal; the next one may land
                log.warning("heartbeat for job %s failed: %s", job_id, type(exc).__name__)

    thread = threading.Thread(target=loop, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _finish(ctx: StepContext, owner_email: str, job_id: str, step_name: str, task_id: str) -> None:
    next_task = uuid.uuid4().hex
    handover: list[str] = []

    def change(job: Job) -> None:
        if job.task_id != task_id or job.status is not JobStatus.RUNNING:
            raise Unchanged  # canceled or taken over meanwhile; the output is idempotent and harmless
        step = job.step(step_name)
        step.status = StepStatus.SUCCEEDED
        step.finished_at = utcnow()
        step.error = None
        job.progress = PROGRESS[step_name][1]
        following = job.next_step()
        if following is None:
            job.move_to(JobStatus.SUCCEEDED)
            job.progress = 100
            job.task_id = None
        else:
            # Waiting for the next stage's worker is being queued: the watchdog then judges the job by its
            # queue, not by a heartbeat nobody is writing.
            job.move_to(JobStatus.QUEUED)
            job.task_id = next_task
            job.enqueued_at = utcnow()
            handover.append(following.name)

    job = mutate_job(ctx.store, owner_email, job_id, change)
    if handover:
        # If this send is lost, the job stays `running` with no heartbeat and the watchdog re-enqueues it.
        enqueue(ctx.celery, handover[0], owner_email, job_id, next_task)
    elif job.status is JobStatus.SUCCEEDED:
        JOB_OUTCOMES.labels(str(job.kind), "succeeded").inc()


def _fail(ctx: StepContext, owner_email: str, job_id: str, step_name: str, error: ErrorInfo) -> None:
    job = fail(ctx.store, owner_email, job_id, error, step_name)
    if job.status is JobStatus.FAILED and job.error == error:
        JOB_OUTCOMES.labels(str(job.kind), "failed").inc()
        log.warning("job %s failed at %s: %s", job_id, step_name, error.code)


def _after_transient(ctx: StepContext, job: Job, step_name: str, exc: TransientError) -> Outcome:
    attempts = job.step(step_name).attempts
    error = ErrorInfo(exc.code, exc.message, transient=True)
    if attempts >= ctx.settings.job_max_attempts:
        _fail(ctx, job.owner_email, job.id, step_name, error)
        return Outcome()

    def change(fresh: Job) -> None:
        if fresh.task_id != job.task_id or fresh.status is not JobStatus.RUNNING:
            raise Unchanged
        step = fresh.step(step_name)
        step.status = StepStatus.PENDING
        step.error = error
        fresh.move_to(JobStatus.QUEUED)

    mutate_job(ctx.store, job.owner_email, job.id, change)
    return Outcome(retry_in=backoff(attempts, exc.retry_after))


def backoff(attempt: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, at least what the server asked for."""
    ceiling = min(60.0, 2.0**attempt)
    delay = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not cryptography
    return max(delay, retry_after or 0.0)
