"""common.jobs against a real SQLite store and a real broker: every job state change, conditional and in order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from common import jobs
from common.models import (
    Document,
    DocumentStatus,
    ErrorInfo,
    InvalidTransition,
    Job,
    JobKind,
    JobStatus,
    StepStatus,
    utcnow,
)
from common.store import NotFound
from common.store.sqlite import SqliteStore
from tests.unit.conftest import Queued, a_document, an_analysis_job

LLM_DOWN = ErrorInfo("llm_unavailable", "The analysis service did not answer.", transient=True)


def a_document_with_job(store: SqliteStore, owner: str, status: JobStatus = JobStatus.QUEUED) -> Job:
    doc = a_document(owner, status=DocumentStatus.PROCESSING)
    job = an_analysis_job(owner, doc.id)
    if status is not JobStatus.QUEUED:
        job.move_to(JobStatus.RUNNING)
        job.move_to(status)
    doc.latest_job_id = job.id
    store.create_document(doc)
    return store.create_job(job)


def test_a_change_made_meanwhile_by_another_writer_is_kept(store: SqliteStore, owner: str) -> None:
    job = store.create_job(an_analysis_job(owner))
    calls = 0

    def set_progress(fresh: Job) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:  # another process writes between our read and our write
            jobs.mutate_job(store, owner, job.id, lambda other: setattr(other, "worker", "extract@host"))
        fresh.progress = 40

    saved = jobs.mutate_job(store, owner, job.id, set_progress)
    assert calls == 2, "the conflict was retried on the fresh copy"
    stored = store.get_job(owner, job.id)
    assert (stored.progress, stored.worker) == (40, "extract@host")
    assert stored.version == saved.version


def test_mutate_job_stamps_the_update_time(store: SqliteStore, owner: str) -> None:
    job = store.create_job(an_analysis_job(owner, updated_at=utcnow() - timedelta(hours=1)))
    before = utcnow()
    jobs.mutate_job(store, owner, job.id, lambda j: setattr(j, "progress", 5))
    assert store.get_job(owner, job.id).updated_at >= before


def test_an_unchanged_change_writes_nothing(store: SqliteStore, owner: str) -> None:
    job = store.create_job(an_analysis_job(owner))

    def nothing(_: Job) -> None:
        raise jobs.Unchanged

    jobs.mutate_job(store, owner, job.id, nothing)
    assert store.get_job(owner, job.id).version == job.version


def test_a_change_to_a_deleted_job_is_not_found(store: SqliteStore, owner: str) -> None:
    job = store.create_job(an_analysis_job(owner))
    store.delete_job(owner, job.id)
    with pytest.raises(NotFound):
        jobs.mutate_job(store, owner, job.id, lambda j: setattr(j, "progress", 5))


def test_submit_writes_the_job_then_enqueues_its_first_step(
    store: SqliteStore, queued: Queued, owner: str
) -> None:
    job = jobs.submit(store, queued.app, an_analysis_job(owner))
    stored = store.get_job(owner, job.id)
    assert stored.status is JobStatus.QUEUED
    assert stored.task_id == job.task_id
    assert stored.enqueued_at is not None
    assert queued.take("extract") == [(owner, job.id)]


def test_requeue_puts_an_abandoned_job_back_in_line_under_a_new_task(
    store: SqliteStore, queued: Queued, owner: str
) -> None:
    job = jobs.submit(store, queued.app, an_analysis_job(owner))
    queued.take("extract")

    def crashed_in_extract(fresh: Job) -> None:
        fresh.move_to(JobStatus.RUNNING)
        fresh.step("extract").status = StepStatus.RUNNING
        fresh.heartbeat_at = utcnow() - timedelta(hours=1)

    jobs.mutate_job(store, owner, job.id, crashed_in_extract)
    running = frozenset({JobStatus.RUNNING})
    assert jobs.requeue(store, queued.app, owner, job.id, reason="test", allowed_from=running)
    again = store.get_job(owner, job.id)
    assert again.status is JobStatus.QUEUED
    assert again.step("extract").status is StepStatus.PENDING
    assert again.task_id != job.task_id
    assert again.heartbeat_at is None
    assert queued.take("extract") == [(owner, job.id)]


def test_requeue_leaves_a_job_that_moved_on(store: SqliteStore, queued: Queued, owner: str) -> None:
    job = a_document_with_job(store, owner, JobStatus.SUCCEEDED)
    assert not jobs.requeue(
        store, queued.app, owner, job.id, reason="test", allowed_from=frozenset({JobStatus.RUNNING})
    )
    assert store.get_job(owner, job.id).status is JobStatus.SUCCEEDED
    assert queued.take("extract") == []


def test_cancel_stops_the_job_and_says_so_on_its_document(store: SqliteStore, owner: str) -> None:
    job = a_document_with_job(store, owner, JobStatus.RUNNING)
    canceled = jobs.cancel(store, owner, job.id)
    assert canceled.status is JobStatus.CANCELED
    assert canceled.task_id is None, "no message may work on it any more"
    assert store.get_document(owner, job.document_id).status is DocumentStatus.FAILED


def test_cancel_leaves_a_finished_job_as_it_is(store: SqliteStore, owner: str) -> None:
    job = a_document_with_job(store, owner, JobStatus.SUCCEEDED)
    assert jobs.cancel(store, owner, job.id).status is JobStatus.SUCCEEDED
    assert store.get_job(owner, job.id).version == job.version


def test_fail_marks_the_step_the_job_and_the_document(store: SqliteStore, owner: str) -> None:
    job = a_document_with_job(store, owner, JobStatus.RUNNING)
    failed = jobs.fail(store, owner, job.id, LLM_DOWN, step_name="analyze")
    assert failed.status is JobStatus.FAILED
    assert failed.error == LLM_DOWN
    assert failed.step("analyze").status is StepStatus.FAILED
    assert failed.step("analyze").error == LLM_DOWN
    assert failed.step("extract").status is StepStatus.PENDING
    assert store.get_document(owner, job.document_id).status is DocumentStatus.FAILED


def test_a_late_failure_never_moves_a_finished_job_backwards(store: SqliteStore, owner: str) -> None:
    job = a_document_with_job(store, owner, JobStatus.SUCCEEDED)
    assert jobs.fail(store, owner, job.id, LLM_DOWN).status is JobStatus.SUCCEEDED
    assert store.get_document(owner, job.document_id).status is DocumentStatus.PROCESSING


def test_a_failed_old_job_leaves_a_document_analysed_by_a_newer_one(store: SqliteStore, owner: str) -> None:
    old = a_document_with_job(store, owner, JobStatus.RUNNING)

    def analysed_by_another_job(doc: Document) -> None:
        doc.status = DocumentStatus.ANALYZED
        doc.latest_job_id = "a-newer-job"

    jobs.mutate_document(store, owner, old.document_id, analysed_by_another_job)
    jobs.fail(store, owner, old.id, LLM_DOWN)
    assert store.get_document(owner, old.document_id).status is DocumentStatus.ANALYZED


def test_a_failed_export_leaves_its_document_alone(store: SqliteStore, owner: str) -> None:
    doc = store.create_document(a_document(owner, status=DocumentStatus.ANALYZED))
    export = store.create_job(Job.new(owner, JobKind.EXPORT, doc.id))
    jobs.fail(store, owner, export.id, LLM_DOWN)
    assert store.get_document(owner, doc.id).status is DocumentStatus.ANALYZED


def test_discard_cancels_a_running_job_before_deleting_it(store: SqliteStore, owner: str) -> None:
    job = a_document_with_job(store, owner, JobStatus.RUNNING)
    jobs.discard(store, job)
    with pytest.raises(NotFound):
        store.get_job(owner, job.id)
    assert store.get_document(owner, job.document_id).status is DocumentStatus.FAILED


def test_a_job_is_stale_only_while_running_without_a_recent_heartbeat(owner: str) -> None:
    bound = timedelta(minutes=2)
    job = an_analysis_job(owner)
    job.heartbeat_at = utcnow() - timedelta(minutes=5)
    assert not jobs.is_stale(job, bound), "a queued job has no worker to hear from"
    job.move_to(JobStatus.RUNNING)
    assert jobs.is_stale(job, bound)
    job.heartbeat_at = utcnow()
    assert not jobs.is_stale(job, bound)


def test_the_transition_rules_refuse_a_finished_job_running_again(owner: str) -> None:
    job = an_analysis_job(owner)
    job.move_to(JobStatus.RUNNING)
    job.move_to(JobStatus.SUCCEEDED)
    with pytest.raises(InvalidTransition):
        job.move_to(JobStatus.RUNNING)
