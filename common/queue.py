"""The Celery app both sides share, the queue names, and how the web side enqueues by task name."""

from __future__ import annotations

import time

import redis
from celery import Celery

import celeryconfig
from common.config import Settings

QUEUES = celeryconfig.QUEUE_NAMES
EXTRACT, ANALYZE, EXPORT = QUEUES
DRAIN_KEY = "kraftd:drain"  # a Redis set of the queues under drain

TASK_FOR_QUEUE = {EXTRACT: "kraftd.extract", ANALYZE: "kraftd.analyze", EXPORT: "kraftd.export"}

celery_app = Celery("kraftd")
celery_app.config_from_object(celeryconfig)


def bind(settings: Settings) -> None:
    """Point the shared Celery app at these settings' broker (the web app's settings may not be the env's)."""
    if celery_app.conf.broker_url != settings.redis_url:
        celery_app.conf.broker_url = settings.redis_url


class QueueUnavailable(Exception):
    """The broker could not take the message."""


STEP_QUEUE = {"extract": EXTRACT, "analyze": ANALYZE, "export": EXPORT}


def enqueue(step: str, owner_email: str, job_id: str, task_id: str) -> None:
    """Send the task of `step` for the job; the job record, naming `task_id`, must already be written."""
    queue = STEP_QUEUE[step]
    try:
        celery_app.send_task(
            TASK_FOR_QUEUE[queue],
            args=[owner_email, job_id],
            queue=queue,
            task_id=task_id,
            headers={"kraftd_sent_at": time.time()},
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2, "interval_max": 0.5},
        )
    except Exception as exc:  # kombu raises OperationalError and redis' own errors
        raise QueueUnavailable(str(exc)) from exc


def redis_client(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(
        settings.redis_url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
    )


def queue_depth(client: redis.Redis, queue: str) -> int:
    """Messages waiting in a queue, priority sub-queues included (kombu names them `queue\\x06\\x16N`)."""
    total = int(client.llen(queue))
    for key in client.scan_iter(match=f"{queue}\x06\x16*"):
        total += int(client.llen(key))
    return total


def drained_queues(client: redis.Redis) -> set[str]:
    """The queues an operator has put under drain (`flask queues drain`)."""
    return {m.decode() if isinstance(m, bytes) else str(m) for m in client.smembers(DRAIN_KEY)}
