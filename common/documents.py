"""Documents as the service handles them: where their files live, starting their jobs, deleting them.

The web views and the operators' commands call these; every job state change goes through `Job.move_to` and
`common.jobs`, so a job here obeys the same transitions as one a worker moves.
"""

from __future__ import annotations

from celery import Celery

from common import jobs
from common.analysis import Analysis
from common.blobs import BlobStore, blob_name
from common.framing import frame
from common.models import Document, DocumentStatus, Job, JobKind, JobStatus, StepStatus, utcnow
from common.queue import QueueUnavailable
from common.store import Store


def document_prefix(owner_email: str, doc_id: str) -> str:
    """Every file of a document lives under this prefix: deleting it deletes them all."""
    return blob_name(owner_email, "documents", doc_id)


def original_blob(owner_email: str, doc_id: str) -> str:
    return f"{document_prefix(owner_email, doc_id)}/original"


def text_blob(owner_email: str, doc_id: str) -> str:
    """The extracted text, one string per page, as JSON."""
    return f"{document_prefix(owner_email, doc_id)}/text.json"


def export_blob(owner_email: str, doc_id: str, job_id: str) -> str:
    return f"{document_prefix(owner_email, doc_id)}/exports/{job_id}.zip"


def start_analysis(store: Store, blobs: BlobStore, app: Celery, doc: Document) -> Job:
    """Write a new document (its original already stored) with its analysis job, and answer the job.

    The same file analysed before for the same owner is not analysed again: the document gets its own copy of
    that analysis and the job is done at once. Otherwise the job is enqueued; if the queue cannot take it,
    the document, job and files are removed again and QueueUnavailable is raised.
    """
    job = Job.new(doc.owner_email, JobKind.ANALYSIS, doc.id)
    doc.latest_job_id = job.id
    previous = store.find_analyzed_document(doc.owner_email, doc.sha256)
    if previous is not None and previous.analysis is not None:
        _reuse_analysis(store, blobs, doc, job, previous)
        return job
    store.create_document(doc)
    try:
        jobs.submit(store, app, job)
    except QueueUnavailable:
        jobs.delete(store, doc.owner_email, job.id)
        store.delete_document(doc.owner_email, doc.id)
        blobs.delete_prefix(document_prefix(doc.owner_email, doc.id))
        raise
    return job


def fresh_copy(analysis: Analysis, document_id: str) -> Analysis:
    """The analysis as this document's own: framed for the side the analyzer guessed (not the side the other
    document's owner chose), with no feedback yet."""
    guessed = analysis.findings.perspective if analysis.findings else analysis.perspective
    copy = analysis.model_copy(update={"document_id": document_id}, deep=True)
    for rec in copy.recommendations:
        rec.feedback = None
    if copy.findings is not None:
        copy.findings.feedback = {}
    return frame(copy, guessed)


def _reuse_analysis(store: Store, blobs: BlobStore, doc: Document, job: Job, previous: Document) -> None:
    """Run the job here and now by copying `previous`'s analysis and text: no extraction, no LLM call."""
    assert previous.analysis is not None
    started = utcnow()
    job.move_to(JobStatus.RUNNING)
    doc.analysis = fresh_copy(previous.analysis, doc.id)
    doc.page_count = previous.page_count
    if previous.text_blob and blobs.exists(previous.text_blob):
        doc.text_blob = text_blob(doc.owner_email, doc.id)
        blobs.upload_bytes(doc.text_blob, blobs.read_bytes(previous.text_blob), "application/json")
    doc.status = DocumentStatus.ANALYZED
    finished = utcnow()
    for step in job.steps:
        step.status = StepStatus.SKIPPED
        step.started_at, step.finished_at = started, finished
    job.progress = 100
    job.move_to(JobStatus.SUCCEEDED)
    store.create_document(doc)
    store.create_job(job)


def start_export(store: Store, app: Celery, doc: Document, *, include_original: bool) -> Job:
    """Write and enqueue an export job for an analysed document; nothing is left if the queue is down."""
    job = Job.new(doc.owner_email, JobKind.EXPORT, doc.id, include_original=include_original)
    try:
        jobs.submit(store, app, job)
    except QueueUnavailable:
        jobs.delete(store, doc.owner_email, job.id)
        raise
    return job


def delete_document(store: Store, blobs: BlobStore, doc: Document) -> None:
    """Delete a document with its files and jobs; a job not finished is canceled first, so its worker stops."""
    for job in store.list_jobs(doc.owner_email, document_id=doc.id):
        jobs.discard(store, job)
    blobs.delete_prefix(document_prefix(doc.owner_email, doc.id))
    store.delete_document(doc.owner_email, doc.id)
