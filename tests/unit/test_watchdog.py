"""The watchdog's sweep (worker/watchdog.py) against a real SQLite store and a real broker: it re-enqueues a
running job whose worker went silent and a queued job whose message was lost, and leaves the rest alone."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

import redis
from celery import Celery

from common.models import Document, Job, JobKind, JobStatus, StepStatus, utcnow
from common.queue import DRAIN_KEY, enqueue, queue_depth
from common.store.sqlite import SqliteStore
from common.telemetry import LogFormatter, job_id_var
from worker.watchdog import Sweep, sweep

OWNER = "bob@example.com"
HEARTBEAT = timedelta(seconds=120)
QUEUED = timedelta(seconds=600)
LONG_AGO = timedelta(hours=1)


def a_job(store: SqliteStore, status: JobStatus, *, age: timedelta, kind: JobKind = JobKind.ANALYSIS) -> Job:
    """A job last written (and, when running, last heard from) `age` ago, at its first step."""
    doc = store.create_document(Document(OWNER, "c.txt", "text/plain", 10, "0" * 64, "blob"))
    then = utcnow() - age
    job = Job.new(OWNER, kind, doc.id, status=status, task_id="old-task", updated_at=then, enqueued_at=then)
    if status is JobStatus.RUNNING:
        job.heartbeat_at = then
        job.steps[0].status = StepStatus.RUNNING
        job.steps[0].attempts = 1
    return store.create_job(job)


def run(store: SqliteStore, celery: Celery, broker: redis.Redis) -> Sweep:
    return sweep(store, celery, broker, HEARTBEAT, QUEUED)


def test_a_running_job_whose_worker_went_silent_is_put_back_in_line(
    store: SqliteStore, celery: Celery, broker: redis.Redis
) -> None:
    job = a_job(store, JobStatus.RUNNING, age=LONG_AGO)

    assert run(store, celery, broker) == Sweep(stale_running=1, lost_queued=0)

    after = store.get_job(OWNER, job.id)
    assert after.status is JobStatus.QUEUED
    assert after.task_id not in (None, "old-task")  # a late message of the dead worker is now ignored
    assert after.step("extract").status is StepStatus.PENDING
    assert after.heartbeat_at is None
    assert queue_depth(celery, "extract") == 1


def test_a_running_job_with_a_recent_heartbeat_is_left_alone(
    store: SqliteStore, celery: Celery, broker: redis.Redis
) -> None:
    job = a_job(store, JobStatus.RUNNING, age=timedelta(seconds=10))

    assert run(store, celery, broker) == Sweep(0, 0)
    assert store.get_job(OWNER, job.id).status is JobStatus.RUNNING
    assert queue_depth(celery, "extract") == 0


def test_a_queued_job_whose_message_was_lost_is_sent_again(
    store: SqliteStore, celery: Celery, broker: redis.Redis
) -> None:
    job = a_job(store, JobStatus.QUEUED, age=LONG_AGO, kind=JobKind.EXPORT)

    assert run(store, celery, broker) == Sweep(stale_running=0, lost_queued=1)

    after = store.get_job(OWNER, job.id)
    assert after.status is JobStatus.QUEUED
    assert after.task_id not in (None, "old-task")
    assert queue_depth(celery, "export") == 1


def test_a_queued_job_still_waiting_its_turn_is_left_alone(
    store: SqliteStore, celery: Celery, broker: redis.Redis
) -> None:
    job = a_job(store, JobStatus.QUEUED, age=LONG_AGO)
    enqueue(celery, "extract", OWNER, job.id, "old-task")  # its message is still in the queue

    assert run(store, celery, broker) == Sweep(0, 0)
    assert store.get_job(OWNER, job.id).task_id == "old-task"
    assert queue_depth(celery, "extract") == 1


def test_a_recently_queued_job_is_left_alone(store: SqliteStore, celery: Celery, broker: redis.Redis) -> None:
    job = a_job(store, JobStatus.QUEUED, age=timedelta(seconds=30))

    assert run(store, celery, broker) == Sweep(0, 0)
    assert store.get_job(OWNER, job.id).task_id == "old-task"


def test_nothing_of_a_drained_queue_is_re_enqueued(
    store: SqliteStore, celery: Celery, broker: redis.Redis
) -> None:
    running = a_job(store, JobStatus.RUNNING, age=LONG_AGO)
    queued = a_job(store, JobStatus.QUEUED, age=LONG_AGO)
    broker.sadd(DRAIN_KEY, "extract")

    assert run(store, celery, broker) == Sweep(0, 0)
    assert store.get_job(OWNER, running.id).task_id == "old-task"
    assert store.get_job(OWNER, queued.id).task_id == "old-task"
    assert queue_depth(celery, "extract") == 0


def test_finished_jobs_are_never_touched(store: SqliteStore, celery: Celery, broker: redis.Redis) -> None:
    for status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED):
        a_job(store, status, age=LONG_AGO)

    assert run(store, celery, broker) == Sweep(0, 0)
    assert all(queue_depth(celery, q) == 0 for q in ("extract", "analyze", "export"))


def test_each_watchdog_line_names_the_job_it_is_about_never_the_last_task_s(
    store: SqliteStore, celery: Celery, broker: redis.Redis
) -> None:
    running = a_job(store, JobStatus.RUNNING, age=LONG_AGO)
    queued = a_job(store, JobStatus.QUEUED, age=LONG_AGO, kind=JobKind.EXPORT)
    # A pool child runs the watchdog after stage tasks, in the same context: what a task set stays there.
    earlier_task = job_id_var.set("job-of-an-earlier-task")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(LogFormatter())
    logging.getLogger().addHandler(handler)
    try:
        assert run(store, celery, broker) == Sweep(stale_running=1, lost_queued=1)
    finally:
        logging.getLogger().removeHandler(handler)
        job_id_var.reset(earlier_task)

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    requeued = {line.get("job_id"): line["message"] for line in lines if "requeued job" in line["message"]}
    assert set(requeued) == {running.id, queued.id}
    assert all(job_id in message for job_id, message in requeued.items())
    summary = next(line for line in lines if "watchdog re-enqueued" in line["message"])
    assert "job_id" not in summary
