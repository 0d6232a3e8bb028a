"""The Celery app both sides share, the queue names, and how the web side enqueues by task name."""

from __future__ import annotations

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


class QueueUnavailable(Exception):
    """The broker could not take the message."""


def enqueue(queue: str, owner_email: str, job_id: str) -> None:
    """Send the stage task of `queue` for the job; the job record must already be written."""
    try:
        celery_app.send_task(
            TASK_FOR_QUEUE[queue],
            args=[owner_email, job_id],
            queue=queue,
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
