"""The watchdog's sweep against a real SQLite store and a real broker: what it puts back in line, and what not."""

from __future__ import annotations

from datetime import timedelta

from common import queue
from common.models import Job, JobStatus, StepStatus, utcnow
from common.store.sqlite import SqliteStore
from tests.unit.conftest import Broker, an_analysis_job
from worker.watchdog import Sweep, sweep

HEARTBEAT = timedelta(minutes=2)
QUEUED = timedelta(minutes=10)
LONG_AGO = timedelta(hours=1)


def a_job_in(store: SqliteStore, owner: str, status: JobStatus, quiet_for: timedelta) -> Job:
    """A job in `status` at its extract step, last heard of `quiet_for` ago."""
    job = an_analysis_job(owner, task_id="first-task")
    if status is JobStatus.RUNNING:
        job.move_to(JobStatus.RUNNING)
        job.step("extract").status = StepStatus.RUNNING
        job.heartbeat_at = utcnow() - quiet_for
    job.updated_at = utcnow() - quiet_for
    return store.create_job(job)


def swept(store: SqliteStore, broker: Broker) -> Sweep:
    return sweep(store, broker.app, broker.client, HEARTBEAT, QUEUED)


def test_a_running_job_whose_worker_went_quiet_is_put_back_in_line(
    store: SqliteStore, broker: Broker, owner: str
) -> None:
    job = a_job_in(store, owner, JobStatus.RUNNING, LONG_AGO)
    assert swept(store, broker) == Sweep(stale_running=1, lost_queued=0)
    again = store.get_job(owner, job.id)
    assert again.status is JobStatus.QUEUED
    assert again.task_id != "first-task", "the lost worker's message may no longer work on it"
    assert broker.take("extract") == [(owner, job.id)]


def test_a_running_job_with_a_recent_heartbeat_is_left_alone(
    store: SqliteStore, broker: Broker, owner: str
) -> None:
    job = a_job_in(store, owner, JobStatus.RUNNING, timedelta(seconds=10))
    assert swept(store, broker) == Sweep(0, 0)
    assert store.get_job(owner, job.id).version == job.version


def test_a_queued_job_whose_message_was_lost_is_sent_again(
    store: SqliteStore, broker: Broker, owner: str
) -> None:
    job = a_job_in(store, owner, JobStatus.QUEUED, LONG_AGO)
    assert swept(store, broker) == Sweep(stale_running=0, lost_queued=1)
    assert broker.take("extract") == [(owner, job.id)]


def test_a_queued_job_waiting_behind_others_is_left_in_line(
    store: SqliteStore, broker: Broker, owner: str
) -> None:
    waiting = a_job_in(store, owner, JobStatus.QUEUED, LONG_AGO)
    queue.enqueue(broker.app, "extract", owner, "another-job", "another-task")
    assert swept(store, broker) == Sweep(0, 0)
    assert store.get_job(owner, waiting.id).version == waiting.version


def test_jobs_of_a_drained_queue_are_held_on_purpose(store: SqliteStore, broker: Broker, owner: str) -> None:
    running = a_job_in(store, owner, JobStatus.RUNNING, LONG_AGO)
    queued = a_job_in(store, owner, JobStatus.QUEUED, LONG_AGO)
    queue.start_drain(broker.app, broker.client, {queue.STEP_QUEUE["extract"]})
    assert swept(store, broker) == Sweep(0, 0)
    assert store.get_job(owner, running.id).status is JobStatus.RUNNING
    assert store.get_job(owner, queued.id).status is JobStatus.QUEUED
    assert broker.take("extract") == []
