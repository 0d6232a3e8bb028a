"""The store in one SQLite file: the default for `make run` and the twin of the Cosmos store in tests.

Each table keeps a record as its key columns, the index columns its queries need, a version and the JSON body
(`common.store.records`). A document's analysis has a column of its own, read only when a document is.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Generic

from common import codec
from common.analysis import Analysis
from common.models import Document, DocumentStatus, Job, JobKind, JobStatus, User
from common.store import AlreadyExists, Conflict, DocumentPage, NotFound, StoreUnavailable
from common.store.records import (
    DOCUMENT_DETAIL,
    R,
    body_json,
    created_key,
    decode_cursor,
    encode_cursor,
    job_filters,
    load_json,
    stamp,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    email TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    owner_email TEXT NOT NULL,
    id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    version TEXT NOT NULL,
    body TEXT NOT NULL,
    analysis TEXT,
    PRIMARY KEY (owner_email, id)
);
CREATE INDEX IF NOT EXISTS documents_by_created ON documents (owner_email, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS documents_by_sha ON documents (owner_email, sha256);
CREATE TABLE IF NOT EXISTS jobs (
    owner_email TEXT NOT NULL,
    id TEXT NOT NULL,
    document_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (owner_email, id)
);
CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (owner_email, created_at DESC);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, updated_at);
"""


@dataclass(frozen=True)
class Table(Generic[R]):
    """How one kind of record sits in its table."""

    name: str
    record: type[R]
    key: tuple[str, ...]  # the primary key's columns, read from the record's fields of the same names
    index: Callable[[R], dict[str, str]]  # the columns the queries filter and sort on
    # Fields kept as JSON in columns of their own instead of in the body, with their types.
    detached: tuple[tuple[str, type[Any]], ...] = ()

    def where_key(self) -> str:
        return " AND ".join(f"{column} = ?" for column in self.key)

    def columns(self, *, detail: bool = True) -> str:
        return ", ".join(("body", "version", *(name for name, _ in self.detached if detail)))


def _document_index(doc: Document) -> dict[str, str]:
    return {"created_at": stamp(doc.created_at), "sha256": doc.sha256, "status": str(doc.status)}


def _job_index(job: Job) -> dict[str, str]:
    return {
        "document_id": job.document_id,
        "kind": str(job.kind),
        "status": str(job.status),
        "created_at": stamp(job.created_at),
        "updated_at": stamp(job.updated_at),
    }


def _no_index(_: User) -> dict[str, str]:
    return {}


USERS = Table("users", User, ("email",), _no_index)
DOCUMENTS = Table(
    "documents", Document, ("owner_email", "id"), _document_index, ((DOCUMENT_DETAIL, Analysis),)
)
JOBS = Table("jobs", Job, ("owner_email", "id"), _job_index)


# How long a statement waits for another process' lock before the store reports itself unavailable.
BUSY_SECONDS = 10.0


def _use_wal(conn: sqlite3.Connection) -> None:
    """Put the database in WAL mode (a property of the file, kept once set).

    The switch takes an exclusive lock, and SQLite answers "database is locked" at once rather than waiting in
    its busy handler when another connection holds one: the web's and every worker's processes opening a new
    database together (`make run` on a fresh machine) failed that way. So it is retried, within BUSY_SECONDS."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class SqliteStore:
    """Each call takes a connection from the store's own idle list and puts it back when done, so a process
    keeps as many connections as it ever ran store calls at once: one per thread, and one in all under gevent
    (a store call never yields). Connections per thread-local were per greenlet under gevent: a new one, and its
    page cache, for every client connection the web worker served."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._idle: list[sqlite3.Connection] = []
        with self._connection() as conn:
            conn.executescript(_SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(documents)")}
            if "analysis" not in columns:  # a database made before the analysis had a column of its own
                conn.execute("ALTER TABLE documents ADD COLUMN analysis TEXT")

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        conn = self._idle.pop() if self._idle else self._connect()
        try:
            yield conn
        finally:
            self._idle.append(conn)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
        _use_wal(conn)
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[list[tuple[Any, ...]], int]:
        """The statement's rows and its row count (each statement commits on its own)."""
        try:
            with self._connection() as conn:
                cursor = conn.execute(sql, params)
                return cursor.fetchall(), cursor.rowcount
        except sqlite3.IntegrityError:
            raise
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"sqlite: {exc}") from exc

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self._exec(sql, params)[0]

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def ping(self) -> None:
        self._rows("SELECT 1")

    # users

    def create_user(self, user: User) -> User:
        return self._create(USERS, user)

    def get_user(self, email: str) -> User:
        return self._get(USERS, email)

    def update_user(self, user: User) -> User:
        return self._update(USERS, user)

    def delete_user(self, email: str) -> None:
        self._delete(USERS, email)

    # documents

    def create_document(self, doc: Document) -> Document:
        return self._create(DOCUMENTS, doc)

    def get_document(self, owner_email: str, doc_id: str) -> Document:
        return self._get(DOCUMENTS, owner_email, doc_id)

    def update_document(self, doc: Document) -> Document:
        return self._update(DOCUMENTS, doc)

    def delete_document(self, owner_email: str, doc_id: str) -> None:
        self._delete(DOCUMENTS, owner_email, doc_id)

    def list_documents(self, owner_email: str, limit: int, cursor: str | None = None) -> DocumentPage:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        sql = f"SELECT {DOCUMENTS.columns(detail=False)} FROM documents WHERE owner_email = ?"  # noqa: S608 - ours
        params: tuple[Any, ...] = (owner_email,)
        if cursor:
            created, doc_id = decode_cursor(cursor)
            sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            params += (created, created, doc_id)
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        rows = self._rows(sql, (*params, limit + 1))
        docs = [self._load(DOCUMENTS, row) for row in rows[:limit]]
        return DocumentPage(docs, encode_cursor(created_key(docs[-1])) if len(rows) > limit else None)

    def find_analyzed_document(self, owner_email: str, sha256: str) -> Document | None:
        row = self._one(
            f"SELECT {DOCUMENTS.columns()} FROM documents"  # noqa: S608 - ours
            " WHERE owner_email = ? AND sha256 = ? AND status = ? ORDER BY created_at DESC LIMIT 1",
            (owner_email, sha256, str(DocumentStatus.ANALYZED)),
        )
        return self._load(DOCUMENTS, row) if row else None

    # jobs

    def create_job(self, job: Job) -> Job:
        return self._create(JOBS, job)

    def get_job(self, owner_email: str, job_id: str) -> Job:
        return self._get(JOBS, owner_email, job_id)

    def update_job(self, job: Job) -> Job:
        return self._update(JOBS, job)

    def delete_job(self, owner_email: str, job_id: str) -> None:
        self._delete(JOBS, owner_email, job_id)

    def list_jobs(
        self,
        owner_email: str,
        status: JobStatus | None = None,
        kind: JobKind | None = None,
        document_id: str | None = None,
    ) -> list[Job]:
        filters = job_filters(status, kind, document_id)
        where = "".join(f" AND {column} = ?" for column in filters)  # the column names are ours
        rows = self._rows(
            f"SELECT {JOBS.columns()} FROM jobs WHERE owner_email = ?{where} ORDER BY created_at DESC",  # noqa: S608
            (owner_email, *filters.values()),
        )
        return [self._load(JOBS, row) for row in rows]

    def ops_jobs_in_status(self, status: JobStatus, updated_before: datetime | None = None) -> Iterator[Job]:
        sql = f"SELECT {JOBS.columns()} FROM jobs WHERE status = ?"  # noqa: S608 - ours
        params: tuple[Any, ...] = (str(status),)
        if updated_before is not None:
            sql += " AND updated_at < ?"
            params += (stamp(updated_before),)
        for row in self._rows(sql, params):
            yield self._load(JOBS, row)

    # the few operations everything above is made of

    @staticmethod
    def _row(table: Table[R], record: R) -> dict[str, Any]:
        """The record's columns but its version: key, index columns, body and detached fields."""
        detached = {name: getattr(record, name) for name, _ in table.detached}
        return {
            **{column: getattr(record, column) for column in table.key},
            **table.index(record),
            "body": body_json(record, without=frozenset(detached)),
            **{name: None if value is None else codec.dump_json(value) for name, value in detached.items()},
        }

    @staticmethod
    def _load(table: Table[R], row: tuple[Any, ...]) -> R:
        """The record from the columns `Table.columns` names, in that order."""
        record = load_json(table.record, row[0], row[1])
        for (name, kind), value in zip(table.detached, row[2:], strict=False):
            if value is not None:
                setattr(record, name, codec.load_json(kind, value))
        return record

    def _create(self, table: Table[R], record: R) -> R:
        row = {**self._row(table, record), "version": uuid.uuid4().hex}
        names = ", ".join(row)
        marks = ", ".join("?" * len(row))
        try:
            self._exec(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", tuple(row.values()))  # noqa: S608
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(record.id) from exc
        record.version = row["version"]
        return record

    def _get(self, table: Table[R], *key: str) -> R:
        row = self._one(
            f"SELECT {table.columns()} FROM {table.name} WHERE {table.where_key()}",  # noqa: S608 - ours
            key,
        )
        if row is None:
            raise NotFound(key[-1])
        return self._load(table, row)

    def _update(self, table: Table[R], record: R) -> R:
        """Write the record if its version is still the stored one: Conflict if not, NotFound if it is gone."""
        new_version = uuid.uuid4().hex
        key: tuple[str, ...] = tuple(getattr(record, column) for column in table.key)
        values: dict[str, Any] = {k: v for k, v in self._row(table, record).items() if k not in table.key}
        values["version"] = new_version
        assignments = ", ".join(f"{column} = ?" for column in values)
        _, updated = self._exec(
            f"UPDATE {table.name} SET {assignments} WHERE {table.where_key()} AND version = ?",  # noqa: S608
            (*values.values(), *key, record.version),
        )
        if updated != 1:
            exists = self._one(
                f"SELECT 1 FROM {table.name} WHERE {table.where_key()}",  # noqa: S608 - ours
                key,
            )
            raise Conflict(record.id) if exists else NotFound(record.id)
        record.version = new_version
        return record

    def _delete(self, table: Table[R], *key: str) -> None:
        """Deleting what is not there is not an error."""
        self._exec(f"DELETE FROM {table.name} WHERE {table.where_key()}", key)  # noqa: S608 - ours
