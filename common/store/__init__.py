"""The store: users, documents and jobs, partitioned by owner e-mail.

Every method that reads or writes tenant data takes `owner_email`. The few methods that must span tenants
(the watchdog, `jobs retry-failed`) say so in their names: `ops_...`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from common.config import Settings
from common.models import Document, Job, JobKind, JobStatus, User


class StoreError(Exception):
    """Base of the store's own errors."""


class NotFound(StoreError):
    """No record with that id in that partition."""


class AlreadyExists(StoreError):
    """A record with that id already exists."""


class Conflict(StoreError):
    """The record changed since it was read (optimistic concurrency)."""


class StoreUnavailable(StoreError):
    """The store could not be reached or throttled us past our retries: a transient failure."""


@dataclass(frozen=True)
class DocumentPage:
    """One page of a user's documents, newest first, and the cursor of the next (None on the last)."""

    items: list[Document]
    next_cursor: str | None


class Store(Protocol):
    def ping(self) -> None: ...

    # users (partition = the user's own e-mail)
    def create_user(self, user: User) -> User: ...
    def get_user(self, email: str) -> User: ...
    def update_user(self, user: User) -> User: ...
    def delete_user(self, email: str) -> None: ...

    # documents
    def create_document(self, doc: Document) -> Document: ...
    def get_document(self, owner_email: str, doc_id: str) -> Document: ...
    def update_document(self, doc: Document) -> Document: ...
    def delete_document(self, owner_email: str, doc_id: str) -> None: ...
    def list_documents(self, owner_email: str, limit: int, cursor: str | None = None) -> DocumentPage:
        """Newest first. The documents come without their analysis (read one to have it): lists stay cheap."""
        ...

    def find_analyzed_document(self, owner_email: str, sha256: str) -> Document | None: ...

    # jobs
    def create_job(self, job: Job) -> Job: ...
    def get_job(self, owner_email: str, job_id: str) -> Job: ...
    def update_job(self, job: Job) -> Job: ...
    def delete_job(self, owner_email: str, job_id: str) -> None: ...
    def list_jobs(
        self,
        owner_email: str,
        status: JobStatus | None = None,
        kind: JobKind | None = None,
        document_id: str | None = None,
    ) -> list[Job]: ...

    # operations that span tenants
    def ops_jobs_in_status(
        self, status: JobStatus, updated_before: datetime | None = None
    ) -> Iterator[Job]: ...


R = TypeVar("R")
MAX_CONFLICT_RETRIES = 8


class Unchanged(Exception):
    """Raised by a change passed to `modify` to leave the record as it is."""


def modify(load: Callable[[], R], save: Callable[[R], R], change: Callable[[R], None]) -> R:
    """Apply `change` to the freshest copy of a record and save it conditionally, again on conflict."""
    for _ in range(MAX_CONFLICT_RETRIES):
        record = load()
        try:
            change(record)
        except Unchanged:
            return record
        try:
            return save(record)
        except Conflict:
            continue
    raise Conflict("the record kept changing under us")


def open_store(settings: Settings) -> Store:
    """The store these settings select: Cosmos DB when COSMOS_ENDPOINT is set, else SQLite in DATA_DIR."""
    if settings.uses_cosmos:
        from common.store.cosmos import CosmosStore

        return CosmosStore.from_settings(settings)
    from common.store.sqlite import SqliteStore

    return SqliteStore(settings.data_dir / "kraftd.sqlite3")
