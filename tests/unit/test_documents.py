"""common.documents against a real SQLite store, blob folder and broker: starting, reusing and deleting."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from common import documents, jobs
from common.analysis import Analysis, Feedback, Findings, Party, Recommendation
from common.blobs.local import LocalBlobStore
from common.config import Settings
from common.models import Document, DocumentStatus, JobKind, JobStatus, StepStatus, utcnow
from common.queue import QueueUnavailable, make_celery
from common.store import NotFound
from common.store.sqlite import SqliteStore
from tests.unit.conftest import Queued, a_document

PAGES = b'["The Tenant shall pay rent monthly."]'


def uploaded(blobs: LocalBlobStore, tmp_path: Path, owner: str, sha256: str = "ab" * 32) -> Document:
    """A document whose original is stored, as the upload view hands it over."""
    doc = a_document(owner, sha256)
    doc.blob_name = documents.original_blob(owner, doc.id)
    original = tmp_path / "original.pdf"
    original.write_bytes(b"%PDF-1.4 a lease")
    blobs.upload_file(doc.blob_name, original, doc.content_type)
    return doc


def analysed(store: SqliteStore, blobs: LocalBlobStore, tmp_path: Path, owner: str) -> Document:
    """A document whose analysis finished, with its extracted text stored."""
    doc = uploaded(blobs, tmp_path, owner)
    doc.status = DocumentStatus.ANALYZED
    doc.page_count = 1
    doc.text_blob = documents.text_blob(owner, doc.id)
    blobs.upload_bytes(doc.text_blob, PAGES, "application/json")
    doc.analysis = Analysis(
        document_id=doc.id,
        analyzer="offline",
        summary="A lease.",
        recommendations=[Recommendation(id="rec1", text="Negotiate the deposit.", rationale="It is high.")],
    )
    return store.create_document(doc)


def test_a_new_file_is_written_and_enqueued_for_extraction(
    store: SqliteStore, blobs: LocalBlobStore, queued: Queued, tmp_path: Path, owner: str
) -> None:
    doc = uploaded(blobs, tmp_path, owner)
    job = documents.start_analysis(store, blobs, queued.app, doc)
    stored = store.get_document(owner, doc.id)
    assert (stored.status, stored.latest_job_id) == (DocumentStatus.QUEUED, job.id)
    assert store.get_job(owner, job.id).status is JobStatus.QUEUED
    assert queued.take("extract") == [(owner, job.id)]


def test_the_same_file_again_reuses_the_finished_analysis_at_once(
    store: SqliteStore, blobs: LocalBlobStore, queued: Queued, tmp_path: Path, owner: str
) -> None:
    first = analysed(store, blobs, tmp_path, owner)
    again = uploaded(blobs, tmp_path, owner, first.sha256)
    job = documents.start_analysis(store, blobs, queued.app, again)

    assert queued.take("extract") == [], "no second extraction or analysis"
    done = store.get_job(owner, job.id)
    assert (done.status, done.progress) == (JobStatus.SUCCEEDED, 100)
    assert {step.status for step in done.steps} == {StepStatus.SKIPPED}
    copy = store.get_document(owner, again.id)
    assert copy.status is DocumentStatus.ANALYZED
    assert copy.latest_job_id == job.id
    assert copy.page_count == 1
    assert copy.analysis is not None
    assert first.analysis is not None
    assert copy.analysis.document_id == again.id
    assert copy.analysis.model_copy(update={"document_id": first.id}) == first.analysis
    assert copy.text_blob == documents.text_blob(owner, again.id)
    assert blobs.read_bytes(copy.text_blob) == PAGES


def test_a_reused_analysis_is_the_new_documents_own_copy(
    store: SqliteStore, blobs: LocalBlobStore, queued: Queued, tmp_path: Path, owner: str
) -> None:
    first = analysed(store, blobs, tmp_path, owner)
    again = uploaded(blobs, tmp_path, owner, first.sha256)
    documents.start_analysis(store, blobs, queued.app, again)

    def reject(doc: Document) -> None:
        assert doc.analysis is not None
        doc.analysis.recommendations[0].feedback = Feedback(verdict="rejected", at=utcnow())

    jobs.mutate_document(store, owner, again.id, reject)
    documents.delete_document(store, blobs, again)
    kept = store.get_document(owner, first.id)
    assert kept.analysis is not None
    assert kept.analysis.recommendations[0].feedback is None
    assert kept.text_blob is not None
    assert blobs.read_bytes(kept.text_blob) == PAGES


def test_another_owners_same_file_is_analysed_afresh(
    store: SqliteStore, blobs: LocalBlobStore, queued: Queued, tmp_path: Path, owner: str
) -> None:
    first = analysed(store, blobs, tmp_path, owner)
    theirs = uploaded(blobs, tmp_path, f"other-{owner}", first.sha256)
    job = documents.start_analysis(store, blobs, queued.app, theirs)
    assert store.get_job(theirs.owner_email, job.id).status is JobStatus.QUEUED
    assert store.get_document(theirs.owner_email, theirs.id).analysis is None
    assert queued.take("extract") == [(theirs.owner_email, job.id)]


def test_a_queue_outage_leaves_nothing_behind(
    store: SqliteStore, blobs: LocalBlobStore, tmp_path: Path, owner: str, settings: Settings
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = make_celery(settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"}))
    doc = uploaded(blobs, tmp_path, owner)
    with pytest.raises(QueueUnavailable):
        documents.start_analysis(store, blobs, down, doc)
    with pytest.raises(NotFound):
        store.get_document(owner, doc.id)
    assert store.list_jobs(owner) == []
    assert not blobs.exists(doc.blob_name)


def test_an_export_is_written_and_enqueued(
    store: SqliteStore, blobs: LocalBlobStore, queued: Queued, tmp_path: Path, owner: str
) -> None:
    doc = analysed(store, blobs, tmp_path, owner)
    job = documents.start_export(store, queued.app, doc, include_original=False)
    stored = store.get_job(owner, job.id)
    assert (stored.kind, stored.status, stored.include_original) == (JobKind.EXPORT, JobStatus.QUEUED, False)
    assert queued.take("export") == [(owner, job.id)]


def test_deleting_a_document_removes_its_jobs_and_files_and_nothing_else(
    store: SqliteStore, blobs: LocalBlobStore, queued: Queued, tmp_path: Path, owner: str
) -> None:
    kept = analysed(store, blobs, tmp_path, owner)
    doomed = uploaded(blobs, tmp_path, owner, "cd" * 32)
    job = documents.start_analysis(store, blobs, queued.app, doomed)
    jobs.mutate_job(store, owner, job.id, lambda j: j.move_to(JobStatus.RUNNING))
    export = documents.start_export(store, queued.app, kept, include_original=True)

    documents.delete_document(store, blobs, store.get_document(owner, doomed.id))
    with pytest.raises(NotFound):
        store.get_document(owner, doomed.id)
    with pytest.raises(NotFound):
        store.get_job(owner, job.id)
    assert not blobs.exists(doomed.blob_name)
    assert [j.id for j in store.list_jobs(owner)] == [export.id]
    assert blobs.exists(kept.blob_name)
    assert store.get_document(owner, kept.id).analysis is not None


def test_a_reuse_starts_from_the_analyzers_guess_not_the_other_documents_choices(
    store: SqliteStore, blobs: LocalBlobStore, queued: Queued, tmp_path: Path, owner: str
) -> None:
    first = analysed(store, blobs, tmp_path, owner)

    def choose(doc: Document) -> None:
        assert doc.analysis is not None
        doc.analysis.parties = [
            Party(name="Ann Lee", role="Tenant"),
            Party(name="Bay Homes LLC", role="Landlord"),
        ]
        doc.analysis.findings = Findings(perspective="Tenant")
        doc.analysis.perspective = "Landlord"  # what this document's owner picked
        doc.analysis.recommendations[0].feedback = Feedback(verdict="accepted", at=utcnow())

    jobs.mutate_document(store, owner, first.id, choose)
    again = uploaded(blobs, tmp_path, owner, first.sha256)
    documents.start_analysis(store, blobs, queued.app, again)

    copy = store.get_document(owner, again.id).analysis
    assert copy is not None
    assert copy.perspective == "Tenant"
    assert all(rec.feedback is None for rec in copy.recommendations)
    assert store.get_document(owner, first.id).analysis.perspective == "Landlord"  # type: ignore[union-attr]
