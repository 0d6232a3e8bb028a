"""Celery settings, each set on purpose. Read by `common.queue` (`config_from_object`).

The stages' queues, routes and time limits derive from `common.stages`. Nothing here reads the environment:
what depends on the settings (the broker, the watchdog's interval, beat's schedule file) is `from_settings`,
which `common.queue` applies when the app is configured (at worker boot, or in `create_app`), so importing
the web or the worker side never reads, nor refuses, the settings.
"""

from __future__ import annotations

from typing import Any

from kombu import Queue

from common.config import Settings
from common.stages import LONGEST_HARD_LIMIT, MAINTENANCE_QUEUE, MAINTENANCE_TASKS, QUEUES, STAGES

# No result backend: job state lives in our store, which the browser polls; results in Redis would be
# a second source of truth that nobody reads.
result_backend = None
task_ignore_result = True

# JSON only: a pickle payload from anyone who can write to Redis would be code execution.
task_serializer = "json"
accept_content = ["json"]
result_accept_content = ["json"]
event_serializer = "json"

# Acknowledge after the task ran, so a worker that dies mid-task leaves the message to be redelivered;
# our own attempt counter on the job (JOB_MAX_ATTEMPTS) stops a poison message from looping forever.
task_acks_late = True
task_reject_on_worker_lost = True
# A task that raised or hit its hard time limit is acknowledged: its failure is recorded on the job,
# and a redelivery would only fail again.
task_acks_on_failure = True
task_acks_on_timeout = True
# One message at a time per process: long tasks must not sit reserved behind another long task.
worker_prefetch_multiplier = 1

task_queues = [Queue(name, routing_key=name) for name in (*QUEUES, MAINTENANCE_QUEUE)]
# Every task is routed; one that were not would wait with the housekeeping, never in a stage's backlog.
task_default_queue = MAINTENANCE_QUEUE
task_routes = {
    **{stage.task: {"queue": stage.queue} for stage in STAGES},
    **{task: {"queue": MAINTENANCE_QUEUE} for task in MAINTENANCE_TASKS},
}
# Per stage: the soft limit raises inside the task so it can fail the job cleanly, the hard one kills the
# pool child.
task_annotations = {
    stage.task: {"soft_time_limit": stage.soft_time_limit, "time_limit": stage.time_limit} for stage in STAGES
}

# Against slow memory growth in parsers and SDKs: recycle pool children.
worker_max_tasks_per_child = 200
worker_max_memory_per_child = 512 * 1024  # KiB
# Container Apps gives 30 s between SIGTERM and SIGKILL; finish or hand back within that.
worker_soft_shutdown_timeout = 20.0
worker_enable_soft_shutdown_on_idle = False
# A task running when the broker connection drops finishes, and hands its job over through the stall
# (`common.queue.AT_THE_HAND_OFF`): canceling it would kill the very step that is about to hand over, and leave
# its job to the watchdog. Its message, which it can no longer acknowledge, may come back later; the job then
# names another task id and the runner drops it.
worker_cancel_long_running_tasks_on_connection_loss = False
worker_hijack_root_logger = False
# No task events: nothing here consumes them (KEDA scales on queue depth, the watchdog reads the store, the
# operators' commands use the control mailbox), and each one is a Redis publish for which kombu builds a client;
# off, the stack spends 72 ms of CPU per document instead of 81 (bench/pipeline.py). A monitor such as Flower
# can turn them on in running workers with `celery control enable_events`.
worker_send_task_events = False
task_send_sent_event = False

# The visibility timeout must outlast the longest hard limit or Redis redelivers a task still running.
# Celery reads it from the transport options of the broker, the result backend and the Redis client.
_transport = {
    "visibility_timeout": LONGEST_HARD_LIMIT + 300,
    "socket_timeout": 10,
    "socket_connect_timeout": 5,
}
broker_transport_options = _transport
result_backend_transport_options = _transport
broker_connection_retry_on_startup = True
broker_connection_max_retries = None

timezone = "UTC"
enable_utc = True


def from_settings(settings: Settings) -> dict[str, Any]:
    """The settings that depend on the environment, for `app.conf.update`."""
    return {
        "broker_url": settings.redis_url,
        "beat_schedule": {
            # A sweep not picked up before the next one is due is dropped, so sweeps never pile up.
            "watchdog": {
                "task": "kraftd.watchdog",
                "schedule": float(settings.watchdog_interval_seconds),
                "options": {"expires": float(settings.watchdog_interval_seconds)},
            },
            "expire-exports": {
                "task": "kraftd.expire_exports",
                "schedule": 3600.0,
                "options": {"expires": 3600.0},
            },
        },
        "beat_schedule_filename": str(settings.data_dir / "celerybeat-schedule"),
    }
