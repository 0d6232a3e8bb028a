"""Running one step of a job: claim it, keep a heartbeat, record the outcome, hand over to the next step.

Only the Celery message whose id the job names (`job.task_id`) may work on it. A redelivery of that
message (its worker died) carries the same id and takes over; a duplicate sent before the watchdog
re-enqueued the job does not, and is dropped. Each attempt is counted on the step, and a step that has
used up `JOB_MAX_ATTEMPTS` fails the job instead of looping.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from celery import Celery
from celery.utils.time import get_exponential_backoff_interval

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
from common.queue import AT_THE_HAND_OFF, QueueUnavailable, enqueue
from common.stages import passed_over, stage
from common.store import NotFound, Store
from common.telemetry import JOB_OUTCOMES
from worker.errors import PermanentError, RetriesExhausted, TransientError

log = logging.getLogger(__name__)


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


# A step's work: it may name the optional stage to run next (see `common.stages`); None runs the next required one.
Work = Callable[[Job], str | None]


def run_step(
    ctx: StepContext, step_name: str, owner_email: str, job_id: str, task_id: str, work: Work
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
            asked = work(job)
    except PermanentError as exc:
        _fail(ctx, owner_email, job_id, step_name, ErrorInfo(exc.code, exc.message))
        return Outcome()
    except RetriesExhausted as exc:
        _fail(ctx, owner_email, job_id, step_name, ErrorInfo(exc.code, exc.message, transient=True))
        return Outcome()
    except TransientError as exc:
        return _after_transient(ctx, job, step_name, exc)
    _finish(ctx, owner_email, job_id, step_name, task_id, passed_over(step_name, asked))
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
        job.progress = max(job.progress, stage(step_name).progress[0])

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


def _finish(
    ctx: StepContext, owner_email: str, job_id: str, step_name: str, task_id: str, skipped: tuple[str, ...]
) -> None:
    """Record the step done, mark the optional stages it passed over skipped, and hand over to the next."""
    next_task = uuid.uuid4().hex
    handover: list[str] = []

    def change(job: Job) -> None:
        if job.task_id != task_id or job.status is not JobStatus.RUNNING:
            raise Unchanged  # canceled or taken over meanwhile; the output is idempotent and harmless
        step = job.step(step_name)
        step.status = StepStatus.SUCCEEDED
        step.finished_at = utcnow()
        step.error = None
        for name in skipped:
            if job.has_step(name):  # a job created before that stage was declared does not carry it
                job.step(name).status = StepStatus.SKIPPED
        job.progress = stage(step_name).progress[1]
        following = job.next_step()
        if following is None:
            job.move_to(JobStatus.SUCCEEDED)
            job.progress = 100
            job.task_id = None
        else:
            # Between stages a job is `queued`, waiting for the next stage's worker: the watchdog then judges it
            # by that stage's queue, not by a heartbeat nobody is writing.
            job.move_to(JobStatus.QUEUED)
            job.task_id = next_task
            job.enqueued_at = utcnow()
            handover.append(following.name)

    job = mutate_job(ctx.store, owner_email, job_id, change)
    if handover:
        # A broker stall here costs its own length plus a retry interval; only a longer outage leaves the job
        # `queued` with its queue empty, for the watchdog to re-enqueue after QUEUED_TIMEOUT_SECONDS.
        try:
            enqueue(ctx.celery, handover[0], owner_email, job_id, next_task, AT_THE_HAND_OFF)
        except QueueUnavailable as exc:
            log.error("job %s: could not hand over to %s, left to the watchdog: %s", job_id, handover[0], exc)
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


BACKOFF_CAP_SECONDS = 60


def backoff(attempt: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter (uniform in 0 … min(cap, 2**attempt) s), at least what the server
    asked for."""
    delay = get_exponential_backoff_interval(1, attempt, BACKOFF_CAP_SECONDS, full_jitter=True)
    return max(float(delay), retry_after or 0.0)
