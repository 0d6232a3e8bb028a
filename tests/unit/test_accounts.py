"""common.accounts against a real SQLite store and blob folder: an account leaves nothing behind, and only it."""

from __future__ import annotations

from pathlib import Path

import pytest

from common import documents
from common.accounts import delete_account
from common.blobs.local import LocalBlobStore
from common.models import Job, JobKind, JobStatus, User
from common.store import NotFound
from common.store.sqlite import SqliteStore
from tests.unit.conftest import a_document


def an_account_with_documents(store: SqliteStore, blobs: LocalBlobStore, email: str, count: int) -> None:
    store.create_user(User(email, "argon2-hash"))
    for n in range(count):
        doc = a_document(email, f"{n:064x}")
        doc.blob_name = documents.original_blob(email, doc.id)
        blobs.upload_bytes(doc.blob_name, b"%PDF-1.4", doc.content_type)
        store.create_document(doc)
        job = Job.new(email, JobKind.ANALYSIS, doc.id)
        if n == 0:
            job.move_to(JobStatus.RUNNING)
        store.create_job(job)


def test_deleting_an_account_removes_everything_it_owns(
    store: SqliteStore, blobs: LocalBlobStore, tmp_path: Path, owner: str
) -> None:
    an_account_with_documents(store, blobs, owner, 105)  # more than one page of documents
    delete_account(store, blobs, owner)
    with pytest.raises(NotFound):
        store.get_user(owner)
    assert store.list_documents(owner, 100).items == []
    assert store.list_jobs(owner) == []
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


def test_deleting_an_account_leaves_other_accounts_alone(
    store: SqliteStore, blobs: LocalBlobStore, owner: str
) -> None:
    other = f"other-{owner}"
    an_account_with_documents(store, blobs, owner, 2)
    an_account_with_documents(store, blobs, other, 2)
    delete_account(store, blobs, owner)
    assert store.get_user(other).email == other
    kept = store.list_documents(other, 100).items
    assert len(kept) == 2
    assert all(blobs.exists(doc.blob_name) for doc in kept)
    assert {j.status for j in store.list_jobs(other)} == {JobStatus.RUNNING, JobStatus.QUEUED}
