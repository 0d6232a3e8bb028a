"""Celery tasks: thin wrappers that run each stage as a step of its job, one task per stage of the registry
(`common.stages`), plus the housekeeping that beat schedules.

Start a worker per queue: `celery --app worker.tasks worker --queues extract` (`python -m common.stages
procfile` prints each stage's line).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any

from billiard.exceptions import SoftTimeLimitExceeded
from celery import Task, signals
from celery.utils.imports import symbol_by_name

from common.blobs import BlobNotFound, BlobUnavailable, open_blobs
from common.config import get_settings
from common.job_cache import JobCache
from common.jobs import use_cache as use_job_cache
from common.models import Job
from common.queue import PAYLOAD_HEADER, READABLE_PAYLOADS, celery_app, payload_version, redis_client
from common.stages import STAGES, Stage
from common.store import NotFound, StoreUnavailable, open_store
from common.telemetry import (
    QUEUE_WAIT,
    STEP_DURATION,
    TASK_RETRIES,
    about_job,
    configure_logging,
    init_sentry,
)
from worker import control, housekeeping, watchdog
from worker.errors import PermanentError, TransientError
from worker.runner import StepContext, run_step

log = logging.getLogger(__name__)
app = celery_app
__all__ = ["STAGE_TASKS", "app", "control", "expire_exports", "run_watchdog"]

StageWork = Callable[[StepContext, Job], str | None]

# A message of a payload version this release cannot read (a newer release sent it while both run, during a
# blue-green switch) goes back to the queue unrun after this many seconds, for a worker that can read it.
PAYLOAD_DEFER_SECONDS = 2


@cache
def _context(pid: int) -> StepContext:
    """Store and blob clients for this process; keyed by pid so a forked pool child makes its own."""
    settings = get_settings()
    store = open_store(settings)
    use_job_cache(store, JobCache(redis_client(settings)))  # its job writes publish their views
    return StepContext(settings, store, open_blobs(settings), celery_app, f"{socket.gethostname()}:{pid}")


def context() -> StepContext:
    return _context(os.getpid())


@signals.setup_logging.connect
def _logging(**_: Any) -> None:
    configure_logging(get_settings())


@signals.worker_process_init.connect
def _process_init(**_: Any) -> None:
    init_sentry(get_settings(), component="worker")


def _run_stage(task: Task, step: str, owner_email: str, job_id: str, work: StageWork) -> None:
    with about_job(job_id):
        _run_step_of(task, step, owner_email, job_id, work)


def _run_step_of(task: Task, step: str, owner_email: str, job_id: str, work: StageWork) -> None:
    ctx = context()
    version = payload_version(getattr(task.request, PAYLOAD_HEADER, None))
    if version not in READABLE_PAYLOADS:
        _hand_back(task, ctx, step, owner_email, job_id, version)  # raises Retry while the job waits on it
        return
    sent = getattr(task.request, "kraftd_sent_at", None)
    if isinstance(sent, int | float) and not task.request.retries:
        QUEUE_WAIT.labels(step).observe(max(0.0, time.time() - sent))

    def guarded(job: Job) -> str | None:
        started = time.perf_counter()
        try:
            return work(ctx, job)
        except BlobNotFound as exc:
            raise PermanentError("file_missing", "The uploaded file is missing; upload it again.") from exc
        except (StoreUnavailable, BlobUnavailable) as exc:
            raise TransientError("service_unavailable", "A storage service was unavailable.") from exc
        except SoftTimeLimitExceeded as exc:
            raise TransientError("timeout", f"The {step} step took too long.") from exc
        finally:
            STEP_DURATION.labels(step).observe(time.perf_counter() - started)

    outcome = run_step(ctx, step, owner_email, job_id, task.request.id, guarded)
    if outcome.retry_in is not None:
        TASK_RETRIES.labels(step, "transient").inc()
        raise task.retry(countdown=outcome.retry_in, max_retries=None)


def _hand_back(task: Task, ctx: StepContext, step: str, owner_email: str, job_id: str, version: int) -> None:
    """Give a message this release cannot read back to its queue, unrun, while its job still waits on it.

    When no release that reads it remains (a rollback), the watchdog re-sends the job in this release's
    version once it has waited QUEUED_TIMEOUT_SECONDS while its queue looked empty (a handed-back message
    waits out its countdown in a worker, not in the queue); this message then no longer owns the job, and
    is dropped here the next time it comes round."""
    try:
        job = ctx.store.get_job(owner_email, job_id)
    except NotFound:
        return
    if job.task_id != task.request.id or job.status.finished:
        log.info("dropped a message of payload version %s: its job has moved on", version)
        return
    log.warning("payload version %s is not one this release reads: handed back to %s", version, step)
    # Celery's retry does not carry custom headers over by itself: name the version again.
    headers = {PAYLOAD_HEADER: version, "kraftd_sent_at": getattr(task.request, "kraftd_sent_at", None)}
    raise task.retry(countdown=PAYLOAD_DEFER_SECONDS, max_retries=None, headers=headers)


def _stage_task(stage: Stage) -> Task:
    """Register the Celery task that runs `stage`'s step function."""
    work: StageWork = symbol_by_name(stage.work)

    def run(self: Task, owner_email: str, job_id: str) -> None:
        _run_stage(self, stage.name, owner_email, job_id, work)

    run.__doc__ = work.__doc__
    task: Task = app.task(name=stage.task, bind=True)(run)
    return task


STAGE_TASKS = {stage.name: _stage_task(stage) for stage in STAGES}


@app.task(name="kraftd.expire_exports")
def expire_exports() -> int:
    """Delete export ZIPs past their expiry; their downloads answer 410 from then on."""
    ctx = context()
    return housekeeping.expire_exports(ctx.store, ctx.blobs)


@app.task(name="kraftd.watchdog")
def run_watchdog() -> dict[str, int]:
    """Re-enqueue jobs whose worker died or whose message was lost."""
    ctx = context()
    settings = ctx.settings
    result = watchdog.sweep(
        ctx.store,
        ctx.celery,
        redis_client(settings),
        timedelta(seconds=settings.heartbeat_timeout_seconds),
        timedelta(seconds=settings.queued_timeout_seconds),
    )
    return {"stale_running": result.stale_running, "lost_queued": result.lost_queued}
