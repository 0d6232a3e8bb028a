"""Queue control that operators drive from `flask queues …`: drain for a rollback, then resume.

A drain is `kraftd_drain`, which cancels the worker's consumer of each drained queue it was started for (as
Celery's `cancel_consumer` does) and answers which, so the operator learns how many workers acknowledged each
queue (Celery's own answers "ok" from every worker, consumer or not); plus a flag in Redis that workers started
later (autoscaled replicas) read at start. Resuming is ours too: Celery's `add_consumer` is a broadcast, and
would make every worker consume every resumed queue; `kraftd_resume` re-adds a queue only on the workers
started to consume it.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import signals
from celery.worker.control import control_command

from common.config import get_settings
from common.queue import drained_queues, redis_client

log = logging.getLogger(__name__)

# The queues this worker process was started to consume (`--queues`), remembered before any drain.
configured_queues: set[str] = set()


@signals.worker_ready.connect
def _remember_and_honour_drain(sender: Any, **_: Any) -> None:
    """A worker started while its queue is drained (a new replica during a rollback) must not consume."""
    consumer = sender
    configured_queues.update(q.name for q in consumer.task_consumer.queues)
    held = drained_queues(redis_client(get_settings()))
    for name in sorted(configured_queues & held):
        log.warning("queue %s is drained: not consuming until `flask queues resume`", name)
        consumer.cancel_task_queue(name)


@control_command(args=[("queues", str)], signature="<queue>[,<queue>…]")
def kraftd_drain(state: Any, queues: str, **_: Any) -> dict[str, Any]:
    """Stop consuming those of `queues` (comma-separated) this worker was started for; answer which."""
    mine = sorted(set(queues.split(",")) & configured_queues)
    for name in mine:
        state.consumer.call_soon(state.consumer.cancel_task_queue, name)
    return {"ok": f"no longer consuming {', '.join(mine) or 'any of them'}", "canceled": mine}


@control_command(args=[("queue", str)], signature="<queue>")
def kraftd_resume(state: Any, queue: str, **_: Any) -> dict[str, str]:
    """Consume `queue` again, if this worker was started to consume it."""
    if queue not in configured_queues:
        return {"ok": f"not a consumer of {queue}"}
    # Queued on the consumer's loop behind any cancel still pending there; add_task_queue is a no-op for a
    # queue already consumed, so deciding on the loop (not here) cannot miss a resume that races a drain.
    state.consumer.call_soon(state.consumer.add_task_queue, queue, None, "direct", queue)
    return {"ok": f"consuming {queue}"}
