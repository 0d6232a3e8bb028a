"""The watchdog, run by Celery beat: puts abandoned jobs back in line.

A `running` job whose heartbeat is older than the bound lost its worker (a whole worker killed is not
redelivered until Redis' visibility timeout, which is long). A `queued` job older than its bound while its
queue is empty lost its message (a broker that lost its data). Neither waits silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import redis
from celery import Celery

from common import jobs
from common.models import JobStatus, utcnow
from common.queue import drained_queues, queue_depth
from common.stages import stage
from common.store import Store
from common.telemetry import about_job

log = logging.getLogger(__name__)

_RUNNING = frozenset({JobStatus.RUNNING})
_QUEUED = frozenset({JobStatus.QUEUED})


@dataclass(frozen=True)
class Sweep:
    stale_running: int
    lost_queued: int


def sweep(
    store: Store, app: Celery, client: redis.Redis, heartbeat_timeout: timedelta, queued_timeout: timedelta
) -> Sweep:
    with about_job(None):  # its own lines name no job; each requeue names its own
        return _sweep(store, app, client, heartbeat_timeout, queued_timeout)


def _sweep(
    store: Store, app: Celery, client: redis.Redis, heartbeat_timeout: timedelta, queued_timeout: timedelta
) -> Sweep:
    now = utcnow()
    draining = drained_queues(client)
    stale = lost = 0
    for job in store.ops_jobs_in_status(JobStatus.RUNNING, updated_before=now - heartbeat_timeout):
        step = job.next_step()
        if step is None or stage(step.name).queue in draining or not jobs.is_stale(job, heartbeat_timeout):
            continue
        with about_job(job.id):
            if jobs.requeue(
                store, app, job.owner_email, job.id, reason="heartbeat lost", allowed_from=_RUNNING
            ):
                stale += 1
    for job in store.ops_jobs_in_status(JobStatus.QUEUED, updated_before=now - queued_timeout):
        step = job.next_step()
        if step is None:
            continue
        queue = stage(step.name).queue
        if queue in draining or queue_depth(app, queue) > 0:
            continue  # still waiting its turn, or held on purpose
        lost_message = "message lost while queued"
        with about_job(job.id):
            if jobs.requeue(store, app, job.owner_email, job.id, reason=lost_message, allowed_from=_QUEUED):
                lost += 1
    if stale or lost:
        log.warning("watchdog re-enqueued %d stale running and %d lost queued jobs", stale, lost)
    return Sweep(stale, lost)
