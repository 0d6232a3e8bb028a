"""Accounts as the service handles them: deleting one with everything it owns."""

from __future__ import annotations

from common import jobs
from common.blobs import BlobStore, owner_prefix
from common.store import Store

_PAGE = 100


def delete_account(store: Store, blobs: BlobStore, email: str) -> None:
    """Delete the account's jobs (canceled first when not finished), documents and files, then the account.

    The account goes last, so a deletion cut short leaves an account that can sign in and delete again. Its
    tokens are the web side's to revoke.
    """
    for job in store.list_jobs(email):
        jobs.discard(store, job)
    while page := store.list_documents(email, limit=_PAGE).items:
        for doc in page:
            store.delete_document(email, doc.id)
    blobs.delete_prefix(owner_prefix(email))
    store.delete_user(email)
