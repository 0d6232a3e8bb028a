"""Celery settings, each set on purpose. Read by `common.queue` (`config_from_object`).

The broker URL and the time bounds come from the typed settings (`common.config`), so the web side,
the workers and beat agree on them.
"""

from __future__ import annotations

from kombu import Queue

from common.config import get_settings

_settings = get_settings()

QUEUE_NAMES = ("extract", "analyze", "export")
# Periodic housekeeping (the watchdog) has a queue of its own, so draining a stage queue never holds it up
# and its messages never count as a stage's backlog. The extract worker consumes it too (see the Procfile).
MAINTENANCE_QUEUE = "maintenance"

# Per-queue time limits (seconds): soft raises inside the task so it can fail the job cleanly,
# hard kills the pool child. Analysis may call an LLM over several chunks, so it gets the most.
TIME_LIMITS: dict[str, tuple[int, int]] = {
    "extract": (120, 150),
    "analyze": (600, 660),
    "export": (300, 330),
}
LONGEST_HARD_LIMIT = max(hard for _, hard in TIME_LIMITS.values())

broker_url = _settings.redis_url
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

task_queues = [Queue(name, routing_key=name) for name in (*QUEUE_NAMES, MAINTENANCE_QUEUE)]
task_default_queue = "analyze"
task_routes = {
    "kraftd.extract": {"queue": "extract"},
    "kraftd.analyze": {"queue": "analyze"},
    "kraftd.export": {"queue": "export"},
    "kraftd.watchdog": {"queue": MAINTENANCE_QUEUE},
    "kraftd.expire_exports": {"queue": MAINTENANCE_QUEUE},
}
task_annotations = {
    f"kraftd.{name}": {"soft_time_limit": soft, "time_limit": hard}
    for name, (soft, hard) in TIME_LIMITS.items()
}

# Against slow memory growth in parsers and SDKs: recycle pool children.
worker_max_tasks_per_child = 200
worker_max_memory_per_child = 512 * 1024  # KiB
# Container Apps gives 30 s between SIGTERM and SIGKILL; finish or hand back within that.
worker_soft_shutdown_timeout = 20.0
worker_enable_soft_shutdown_on_idle = False
worker_cancel_long_running_tasks_on_connection_loss = True
worker_hijack_root_logger = False
worker_send_task_events = True
task_send_sent_event = True

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

beat_schedule = {
    # A sweep not picked up before the next one is due is dropped, so sweeps never pile up.
    "watchdog": {
        "task": "kraftd.watchdog",
        "schedule": float(_settings.watchdog_interval_seconds),
        "options": {"expires": float(_settings.watchdog_interval_seconds)},
    },
    "expire-exports": {"task": "kraftd.expire_exports", "schedule": 3600.0, "options": {"expires": 3600.0}},
}
beat_schedule_filename = str(_settings.data_dir / "celerybeat-schedule")

timezone = "UTC"
enable_utc = True
