"""A step's life (worker/runner.py) against a real SQLite store and a real broker, without Celery processes:
who may work on a job, attempts, transient retries, failures, cancellation and the hand-over."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from celery import Celery

from common import jobs
from common.models import Document, DocumentStatus, Job, JobKind, JobStatus, StepStatus
from common.queue import queue_depth
from common.stages import QUEUES, stage, stages_of
from common.store.sqlite import SqliteStore
from worker.errors import PermanentError, RetriesExhausted, TransientError
from worker.runner import StepContext, backoff, run_step

OWNER = "ann@example.com"


@dataclass
class Recorder:
    """Step work that records each call and then does what it was told."""

    raises: Exception | None = None
    calls: list[str] = field(default_factory=list)

    def __call__(self, job: Job) -> None:
        self.calls.append(job.id)
        if self.raises is not None:
            raise self.raises


def submitted(store: SqliteStore, kind: JobKind = JobKind.ANALYSIS, task_id: str = "task-1") -> Job:
    """A document and its job as the web side leaves them: written, queued, naming its message."""
    doc = store.create_document(Document(OWNER, "c.txt", "text/plain", 10, "0" * 64, "blob"))
    job = Job.new(OWNER, kind, doc.id, task_id=task_id)
    store.create_job(job)

    def latest(fresh: Document) -> None:
        fresh.latest_job_id = job.id

    jobs.mutate_document(store, OWNER, doc.id, latest)
    return job


def depths(celery: Celery) -> dict[str, int]:
    return {queue: queue_depth(celery, queue) for queue in QUEUES}


def test_a_finished_step_hands_the_job_to_the_next_stage_queue(ctx: StepContext, store: SqliteStore) -> None:
    job = submitted(store)
    work = Recorder()

    run_step(ctx, "extract", OWNER, job.id, "task-1", work)

    after = store.get_job(OWNER, job.id)
    following = after.next_step()
    assert following is not None
    assert work.calls == [job.id]
    assert after.status is JobStatus.QUEUED  # between stages a job waits in line
    assert after.step("extract").status is StepStatus.SUCCEEDED
    assert after.step("extract").attempts == 1
    assert after.progress == stage("extract").progress[1]
    assert after.task_id not in (None, "task-1")
    assert depths(ctx.celery) == {q: int(q == stage(following.name).queue) for q in QUEUES}


def test_the_last_step_succeeds_the_job_and_sends_nothing(ctx: StepContext, store: SqliteStore) -> None:
    job = submitted(store)
    task_id: str | None = "task-1"
    ran: list[str] = []
    while (step := store.get_job(OWNER, job.id).next_step()) is not None:
        assert task_id is not None
        ran.append(step.name)
        run_step(ctx, step.name, OWNER, job.id, task_id, Recorder())
        task_id = store.get_job(OWNER, job.id).task_id

    after = store.get_job(OWNER, job.id)
    assert ran == [s.name for s in stages_of(JobKind.ANALYSIS) if not s.optional]
    assert after.status is JobStatus.SUCCEEDED
    assert after.progress == 100
    assert after.task_id is None
    assert {s.status for s in after.steps} <= {StepStatus.SUCCEEDED, StepStatus.SKIPPED}
    sent = len(ran) - 1  # one hand-over between each two stages; nothing after the last
    assert sum(depths(ctx.celery).values()) == sent


def test_a_message_the_job_no_longer_names_is_dropped(ctx: StepContext, store: SqliteStore) -> None:
    job = submitted(store, task_id="the-new-one")
    work = Recorder()

    run_step(ctx, "extract", OWNER, job.id, "a-stale-duplicate", work)

    assert work.calls == []
    after = store.get_job(OWNER, job.id)
    assert after.status is JobStatus.QUEUED
    assert after.step("extract").attempts == 0


def test_a_redelivery_of_the_owning_message_takes_over_a_running_job(
    ctx: StepContext, store: SqliteStore
) -> None:
    job = submitted(store)

    def dies(_: Job) -> None:
        raise SystemExit("the pool child was killed mid-step")

    with pytest.raises(SystemExit):
        run_step(ctx, "extract", OWNER, job.id, "task-1", dies)
    assert store.get_job(OWNER, job.id).status is JobStatus.RUNNING

    work = Recorder()
    run_step(ctx, "extract", OWNER, job.id, "task-1", work)  # the same message, redelivered

    after = store.get_job(OWNER, job.id)
    assert work.calls == [job.id]
    assert after.step("extract").attempts == 2
    assert after.step("extract").status is StepStatus.SUCCEEDED


def test_a_step_interrupted_as_often_as_allowed_fails_the_job(ctx: StepContext, store: SqliteStore) -> None:
    job = submitted(store)

    def dies(_: Job) -> None:
        raise SystemExit("killed")

    for _ in range(ctx.settings.job_max_attempts):
        with pytest.raises(SystemExit):
            run_step(ctx, "extract", OWNER, job.id, "task-1", dies)
    work = Recorder()

    run_step(ctx, "extract", OWNER, job.id, "task-1", work)

    after = store.get_job(OWNER, job.id)
    assert work.calls == []
    assert after.status is JobStatus.FAILED
    assert after.error is not None
    assert (after.error.code, after.error.transient) == ("attempts_exhausted", True)
    assert store.get_document(OWNER, job.document_id).status is DocumentStatus.FAILED


def test_a_transient_error_puts_the_job_back_in_line_after_a_backoff(
    ctx: StepContext, store: SqliteStore
) -> None:
    job = submitted(store)
    work = Recorder(raises=TransientError("llm_unavailable", "The model is busy.", retry_after=7.0))

    outcome = run_step(ctx, "extract", OWNER, job.id, "task-1", work)

    assert outcome.retry_in is not None
    assert outcome.retry_in >= 7.0  # honours Retry-After
    after = store.get_job(OWNER, job.id)
    assert after.status is JobStatus.QUEUED
    assert after.task_id == "task-1"  # the task's own retry carries the same id
    assert after.step("extract").status is StepStatus.PENDING
    assert after.step("extract").error is not None


def test_transient_errors_fail_the_job_once_attempts_run_out(ctx: StepContext, store: SqliteStore) -> None:
    job = submitted(store)
    work = Recorder(raises=TransientError("llm_unavailable", "The model is busy."))
    outcomes = [
        run_step(ctx, "extract", OWNER, job.id, "task-1", work) for _ in range(ctx.settings.job_max_attempts)
    ]

    assert [o.retry_in is not None for o in outcomes] == [True, True, False]
    after = store.get_job(OWNER, job.id)
    assert after.status is JobStatus.FAILED
    assert after.error is not None
    assert (after.error.code, after.error.transient) == ("llm_unavailable", True)


@pytest.mark.parametrize(
    ("error", "transient"),
    [(PermanentError("pdf_encrypted", "The PDF is encrypted."), False),
     (RetriesExhausted("llm_unavailable", "The model stayed busy."), True)],
)  # fmt: skip
def test_a_step_that_gives_up_fails_the_job_at_once(
    ctx: StepContext, store: SqliteStore, error: Exception, transient: bool
) -> None:
    job = submitted(store)

    outcome = run_step(ctx, "extract", OWNER, job.id, "task-1", Recorder(raises=error))

    assert outcome.retry_in is None
    after = store.get_job(OWNER, job.id)
    assert after.status is JobStatus.FAILED
    assert after.error is not None
    assert (after.error.code, after.error.transient) == (getattr(error, "code", None), transient)
    assert after.step("extract").status is StepStatus.FAILED
    assert store.get_document(OWNER, job.document_id).status is DocumentStatus.FAILED
    assert depths(ctx.celery)["analyze"] == 0


def test_a_job_canceled_during_a_step_stops_there(ctx: StepContext, store: SqliteStore) -> None:
    job = submitted(store)

    def canceled_meanwhile(_: Job) -> None:
        jobs.cancel(store, OWNER, job.id)

    run_step(ctx, "extract", OWNER, job.id, "task-1", canceled_meanwhile)

    after = store.get_job(OWNER, job.id)
    assert after.status is JobStatus.CANCELED
    assert after.step("analyze").status is StepStatus.PENDING
    assert depths(ctx.celery)["analyze"] == 0


def test_a_job_canceled_before_its_step_is_not_started(ctx: StepContext, store: SqliteStore) -> None:
    job = submitted(store)
    jobs.cancel(store, OWNER, job.id)
    work = Recorder()

    run_step(ctx, "extract", OWNER, job.id, "task-1", work)

    assert work.calls == []
    assert store.get_job(OWNER, job.id).status is JobStatus.CANCELED


def test_a_deleted_job_drops_its_message(ctx: StepContext, store: SqliteStore) -> None:
    job = submitted(store)
    store.delete_job(OWNER, job.id)
    work = Recorder()

    assert run_step(ctx, "extract", OWNER, job.id, "task-1", work).retry_in is None
    assert work.calls == []


def test_backoff_is_full_jitter_up_to_a_cap_and_at_least_retry_after() -> None:
    third = [backoff(3) for _ in range(400)]
    assert all(0 <= d <= 8 for d in third)
    assert min(third) < 2 < 6 < max(third)  # spread over the whole range, not only its upper half
    assert all(backoff(30) <= 60 for _ in range(100))
    assert all(backoff(1, retry_after=30.0) >= 30.0 for _ in range(20))
