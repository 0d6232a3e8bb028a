"""The Celery app, and how either side enqueues by task name and inspects the queues.

The workers run the module's `celery_app` (`celery --app worker.tasks`); it reads the settings when Celery
first needs its configuration, as the worker boots, never at import. The web side makes its own with
`make_celery(settings)`, so an app built from other settings (a test's, say) talks to its own broker.
The queues and task names come from the stage registry (`common.stages`).
"""

from __future__ import annotations

import fnmatch
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery
from kombu.exceptions import ChannelError
from kombu.utils.functional import retry_over_time
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

import celeryconfig
from common.config import Settings, get_settings
from common.stages import QUEUES as QUEUES  # the queue names, for the web side's commands
from common.stages import stage

log = logging.getLogger(__name__)

DRAIN_KEY = "kraftd:drain"  # a Redis set of the queues under drain

# The shape of a stage task's message: args `[owner_email, job_id]`. Each message says its version in this
# header; one without it was sent before versions were written, in the shape of version 1. Raise
# PAYLOAD_VERSION when the shape changes, and keep the older versions in READABLE_PAYLOADS for at least one
# release, so the messages the outgoing release left queued are done by the incoming one (blue-green).
PAYLOAD_HEADER = "kraftd_payload"
PAYLOAD_VERSION = 1
READABLE_PAYLOADS = frozenset({1})


def _app() -> Celery:
    app = Celery("kraftd", set_as_current=False)
    app.config_from_object(celeryconfig)
    return app


def make_celery(settings: Settings) -> Celery:
    """An app configured from `settings` (the web side's, a test's, a benchmark's)."""
    app = _app()
    app.conf.update(celeryconfig.from_settings(settings))
    return app


# The workers' and beat's app. `add_defaults` with a callable is Celery's own promise: it is evaluated when
# the configuration is first read (the worker booting), so a process that only imports this module never
# reads the settings, and one with unsafe production settings refuses to start then, with their message.
celery_app = _app()
celery_app.add_defaults(lambda: celeryconfig.from_settings(get_settings()))


class QueueUnavailable(Exception):
    """The broker could not take the message."""


# How long a send keeps trying a broker that is down, as kombu's own `retry_over_time` takes it: wait
# `interval_start`, growing by `interval_step` up to `interval_max`, for at most `max_retries` retries and
# `timeout` seconds. (kombu's `ensure`, behind `send_task(retry=True)`, gave up about 5 s into a Redis stop
# whatever its `max_retries`: its reconnects to Redis succeed without reaching the server, so it hardly waits.)
WHILE_A_USER_WAITS: dict[str, float] = {
    # An upload's request: 0.3 s of retries, then 503 `queue_unavailable` with Retry-After (nothing is half-written).
    "max_retries": 2,
    "interval_start": 0.1,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
AT_THE_HAND_OFF: dict[str, float] = {
    # A worker handing a job to the next stage: nobody waits on it, and a lost send leaves the job queued until
    # the watchdog (QUEUED_TIMEOUT_SECONDS, 10 min). Waits of 0.5, 1 and 1.5 s, then 2 s each: a broker back
    # within a minute costs at most 2 s more than its stall; after 75 s the watchdog takes over.
    "max_retries": 45,
    "interval_start": 0.5,
    "interval_step": 0.5,
    "interval_max": 2.0,
    "timeout": 75,
}


def enqueue(
    app: Celery,
    step: str,
    owner_email: str,
    job_id: str,
    task_id: str,
    patience: dict[str, float] = WHILE_A_USER_WAITS,
) -> None:
    """Send the task of `step` for the job, retrying a broker that is down as `patience` allows; the job record,
    naming `task_id`, must already be written."""
    target = stage(step)

    def send() -> None:
        try:
            app.send_task(
                target.task,
                args=[owner_email, job_id],
                queue=target.queue,
                task_id=task_id,
                headers={"kraftd_sent_at": time.time(), PAYLOAD_HEADER: PAYLOAD_VERSION},
                retry=False,
            )
        except Exception as exc:  # kombu raises OperationalError and redis' own errors
            raise QueueUnavailable(str(exc)) from exc

    def told(exc: Exception, intervals: Iterator[float], retries: int) -> float:
        wait = next(intervals)
        log.warning(
            "job %s: the broker is unavailable (%s); sending %s again in %.1fs", job_id, exc, step, wait
        )
        return wait

    retry_over_time(send, QueueUnavailable, errback=told, **patience)


def redis_client(settings: Settings) -> redis.Redis:
    """Our Redis connection pool. A pooled connection the server has closed (an idle one dropped, a restart) is
    retried on a fresh one, twice with a short backoff, instead of failing the request that drew it."""
    return redis.Redis.from_url(
        settings.redis_url,
        socket_timeout=2,
        socket_connect_timeout=2,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
        retry_on_error=[redis.ConnectionError],
    )


def queue_depth(app: Celery, queue: str) -> int:
    """Messages waiting in `queue`, as the broker's transport counts them (kombu's Redis transport sums the
    priority sub-queues too)."""
    # A connection from the app's pool, and its default channel: a new connection per call costs several times
    # more (3 ms against 21 ms here, under load), and /metrics and `queues status` ask once per queue.
    with app.pool.acquire(block=True) as connection:
        try:
            return int(connection.default_channel.queue_declare(queue=queue, passive=True).message_count)
        except ChannelError:  # Redis keeps no empty list, so a queue without messages is "not found"
            return 0


def drained_queues(client: redis.Redis) -> set[str]:
    """The queues an operator has put under drain (`flask queues drain`)."""
    return {m.decode() if isinstance(m, bytes) else str(m) for m in client.smembers(DRAIN_KEY)}


@dataclass(frozen=True)
class QueueStatus:
    name: str
    depth: int
    consumers: int
    active: int
    reserved: int
    oldest_age_seconds: float | None
    drained: bool


def oldest_age(client: redis.Redis, queue: str) -> float | None:
    """Age of the message that has waited longest (kombu pushes on the left and pops on the right).

    kombu has no way to peek at a message, so this reads the queue's own Redis list; our messages carry no
    priority, so they all wait there rather than in kombu's priority sub-queues."""
    raw = client.lindex(queue, -1)
    if raw is None:
        return None
    try:
        sent = json.loads(raw)["headers"].get("kraftd_sent_at")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return max(0.0, time.time() - float(sent)) if isinstance(sent, int | float) else None


def _per_worker(reply: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    return {worker: list(items or []) for worker, items in (reply or {}).items()}


def _queue_of(task: dict[str, Any]) -> str | None:
    info = task.get("delivery_info") or {}
    return info.get("routing_key") or info.get("queue")


def _count_by_queue(reply: dict[str, Any] | None, counts: dict[str, int]) -> None:
    for tasks in _per_worker(reply).values():
        for task in tasks:
            name = _queue_of(task)
            if name in counts:
                counts[name] += 1


def payload_version(header: object) -> int:
    """The payload version a message's header says (none: version 1, the shape before versions)."""
    return header if isinstance(header, int) and not isinstance(header, bool) else 1


def workers_matching(app: Celery, pattern: str, timeout: float = 2.0) -> list[str]:
    """The node names (`extract@blue.host`) of the workers that answer a ping and match the glob `pattern`."""
    replies = app.control.inspect(timeout=timeout).ping() or {}
    return sorted(node for node in replies if fnmatch.fnmatchcase(node, pattern))


def in_flight(
    app: Celery, queues: set[str], timeout: float = 2.0, workers: list[str] | None = None
) -> dict[str, int]:
    """Tasks of `queues` that workers (all, or the nodes in `workers`) are running or hold reserved, per queue."""
    inspect = app.control.inspect(timeout=timeout, destination=workers)
    counts = dict.fromkeys(queues, 0)
    _count_by_queue(inspect.active(), counts)
    _count_by_queue(inspect.reserved(), counts)
    return counts


def queue_statuses(app: Celery, client: redis.Redis, timeout: float = 2.0) -> list[QueueStatus]:
    inspect = app.control.inspect(timeout=timeout)
    consumers = dict.fromkeys(QUEUES, 0)
    for consumed in _per_worker(inspect.active_queues()).values():
        for entry in consumed:
            if entry.get("name") in consumers:
                consumers[entry["name"]] += 1
    active = dict.fromkeys(QUEUES, 0)
    reserved = dict.fromkeys(QUEUES, 0)
    _count_by_queue(inspect.active(), active)
    _count_by_queue(inspect.reserved(), reserved)
    held = drained_queues(client)
    return [
        QueueStatus(
            q, queue_depth(app, q), consumers[q], active[q], reserved[q], oldest_age(client, q), q in held
        )
        for q in QUEUES
    ]


def start_drain(
    app: Celery, client: redis.Redis, queues: set[str], workers: list[str] | None = None, timeout: float = 2.0
) -> dict[str, int]:
    """Hold `queues`: flag them in Redis (for workers that start later) and cancel every worker's consumer of
    them. Answers, per queue, how many workers acknowledged (those started for it that answered in `timeout`).

    Given `workers` (node names), only those stop consuming, and nothing is flagged: the outgoing release's
    workers of a blue-green switch, while the incoming release's keep consuming the same queues."""
    if workers is None:
        client.sadd(DRAIN_KEY, *queues)
    # One broadcast for every queue: waiting for the replies of one queue after another would leave the other
    # queues consuming meanwhile. The caller then waits for in-flight tasks.
    replies = app.control.broadcast(
        "kraftd_drain",
        arguments={"queues": ",".join(sorted(queues))},
        destination=workers,
        reply=True,
        timeout=timeout,
    )
    acknowledged = dict.fromkeys(queues, 0)
    for reply in replies or []:
        for answer in reply.values():
            for name in answer.get("canceled", []) if isinstance(answer, dict) else []:
                if name in acknowledged:
                    acknowledged[name] += 1
    return acknowledged


def resume(app: Celery, client: redis.Redis, queues: set[str]) -> None:
    """Lift the hold: workers started for these queues consume them again (see `worker.control`)."""
    client.srem(DRAIN_KEY, *queues)
    for queue in queues:
        app.control.broadcast("kraftd_resume", arguments={"queue": queue}, reply=True, timeout=2.0)


def take_all(app: Celery, queue: str) -> list[tuple[str, str]]:
    """Remove every message of `queue` (every priority, through kombu) and answer the (owner e-mail, job id)
    each was for."""
    taken: list[tuple[str, str]] = []
    with app.connection_for_write() as connection, connection.channel() as channel:
        while (message := channel.basic_get(queue=queue, no_ack=True)) is not None:
            try:
                owner_email, job_id = message.decode()[0][:2]
            except (ValueError, KeyError, TypeError, IndexError):
                continue
            taken.append((str(owner_email), str(job_id)))
    return taken
