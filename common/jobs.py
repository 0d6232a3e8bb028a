"""Job state changes shared by the web side, the workers and the operators' commands.

Every write is a read-modify-write conditional on the version read, retried on conflict, so a heartbeat,
a cancel and a worker finishing a step never overwrite one another, and a late task can never move a
job backwards (`common.models.check_transition` refuses it).

Every write also goes to the job's view in Redis (`common.job_cache`) that `GET /jobs/{id}` answers from: marked
pending before the save (when Redis cannot be told, the write does not happen), published after it (best effort:
an entry left pending sends readers to the store), a tombstone after a delete (best effort; a Redis outage at
that moment leaves an older view for at most its TTL). Whoever opens a store binds its Redis with `use_cache`
(the web app, each worker process); writes through a store without one publish nothing. A new job needs no
publishing: until its first write, a poll misses and reads the store.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
import weakref
from collections.abc import Callable, Iterator
from datetime import timedelta

from celery import Celery
from redis import RedisError

from common.job_cache import JobCache
from common.models import Document, DocumentStatus, ErrorInfo, Job, JobKind, JobStatus, StepStatus, utcnow
from common.queue import enqueue
from common.store import NotFound, Store, Unchanged, modify

log = logging.getLogger(__name__)

__all__ = [
    "Unchanged",
    "cancel",
    "delete",
    "discard",
    "fail",
    "is_stale",
    "mutate_document",
    "mutate_job",
    "requeue",
    "submit",
    "use_cache",
]

_caches: weakref.WeakKeyDictionary[Store, JobCache] = weakref.WeakKeyDictionary()


def use_cache(store: Store, cache: JobCache) -> None:
    """Publish the job writes made through `store` to `cache`."""
    _caches[store] = cache


def _saved(store: Store) -> Callable[[Job], Job]:
    """`store.update_job`, with the job's Redis view marked pending before and published after."""

    def save(job: Job) -> Job:
        job.revision += 1
        cache = _caches.get(store)
        if cache is not None:
            cache.pending(job)
        saved = store.update_job(job)
        if cache is not None:
            with _best_effort("publish", saved.id):
                cache.publish(saved)
        return saved

    return save


@contextlib.contextmanager
def _best_effort(what: str, job_id: str) -> Iterator[None]:
    try:
        yield
    except RedisError as exc:
        log.warning("could not %s the view of job %s: %s", what, job_id, exc)


def mutate_job(store: Store, owner_email: str, job_id: str, change: Callable[[Job], None]) -> Job:
    """Apply `change` to the freshest copy of the job and write it back conditionally."""

    def stamped(job: Job) -> None:
        change(job)
        job.updated_at = utcnow()

    return modify(lambda: store.get_job(owner_email, job_id), _saved(store), stamped)


def mutate_document(
    store: Store, owner_email: str, doc_id: str, change: Callable[[Document], None]
) -> Document:
    """The same for a document."""

    def stamped(doc: Document) -> None:
        change(doc)
        doc.updated_at = utcnow()

    return modify(lambda: store.get_document(owner_email, doc_id), store.update_document, stamped)


def submit(store: Store, app: Celery, job: Job) -> Job:
    """Write a new job, then enqueue its first step. The record exists before any worker can see the task."""
    job.task_id = uuid.uuid4().hex
    job.enqueued_at = utcnow()
    store.create_job(job)
    first = job.next_step()
    assert first is not None
    enqueue(app, first.name, job.owner_email, job.id, job.task_id)
    return job


def requeue(
    store: Store,
    app: Celery,
    owner_email: str,
    job_id: str,
    *,
    reason: str,
    allowed_from: frozenset[JobStatus],
) -> bool:
    """Put a job back in line under a new task id and send its next step again; False when it moved on."""
    new_task = uuid.uuid4().hex
    step_name: list[str] = []

    def change(job: Job) -> None:
        step = job.next_step()
        if job.status not in allowed_from or step is None:
            raise Unchanged
        job.move_to(JobStatus.QUEUED)
        if step.status in (StepStatus.RUNNING, StepStatus.FAILED):
            step.status = StepStatus.PENDING
        step.error = None
        job.error = None
        job.task_id = new_task
        job.enqueued_at = utcnow()
        job.heartbeat_at = None
        step_name.append(step.name)

    job = mutate_job(store, owner_email, job_id, change)
    if not step_name:
        return False
    log.warning("requeued job %s at step %s: %s", job.id, step_name[0], reason)
    enqueue(app, step_name[0], owner_email, job_id, new_task)
    return True


def cancel(store: Store, owner_email: str, job_id: str) -> Job:
    """Cancel a job that has not finished; workers check between steps and stop."""

    def change(job: Job) -> None:
        if job.status.finished:
            raise Unchanged
        job.move_to(JobStatus.CANCELED)
        job.task_id = None

    job = mutate_job(store, owner_email, job_id, change)
    if job.status is JobStatus.CANCELED:
        _document_will_not_be_analysed(store, job)
    return job


def discard(store: Store, job: Job) -> None:
    """Delete a job, canceling it first when it has not finished, so a worker on it stops between steps."""
    if not job.status.finished:
        cancel(store, job.owner_email, job.id)
    delete(store, job.owner_email, job.id)


def delete(store: Store, owner_email: str, job_id: str) -> None:
    """Delete a job record, and its view in Redis for good."""
    store.delete_job(owner_email, job_id)
    cache = _caches.get(store)
    if cache is not None:
        with _best_effort("forget", job_id):
            cache.forget(owner_email, job_id)


def is_stale(job: Job, heartbeat_timeout: timedelta) -> bool:
    """A running job whose worker has not been heard from within the bound."""
    last = job.heartbeat_at or job.updated_at
    return job.status is JobStatus.RUNNING and utcnow() - last > heartbeat_timeout


def fail(store: Store, owner_email: str, job_id: str, error: ErrorInfo, step_name: str | None = None) -> Job:
    """Fail a job that has not finished, at `step_name` (default: its next step), and say so on its document
    when it was the document's analysis. Answers the job as it now stands."""

    def change(job: Job) -> None:
        if job.status.finished:
            raise Unchanged
        step = job.step(step_name) if step_name else job.next_step()
        if step is not None:
            step.status = StepStatus.FAILED
            step.finished_at = utcnow()
            step.error = error
        job.error = error
        job.move_to(JobStatus.FAILED)
        job.task_id = None

    job = mutate_job(store, owner_email, job_id, change)
    if job.status is JobStatus.FAILED:
        _document_will_not_be_analysed(store, job)
    return job


def _document_will_not_be_analysed(store: Store, job: Job) -> None:
    """A document whose latest analysis failed or was canceled says `failed`, not `processing` for ever."""
    if job.kind is not JobKind.ANALYSIS:
        return

    def mark(doc: Document) -> None:
        if doc.latest_job_id != job.id or doc.status is DocumentStatus.ANALYZED:
            raise Unchanged
        doc.status = DocumentStatus.FAILED

    with contextlib.suppress(NotFound):
        mutate_document(store, job.owner_email, job.document_id, mark)
