"""The store in one SQLite file: the default for `make run` and the twin of the Cosmos store in tests."""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from common import codec
from common.analysis import Analysis
from common.models import Document, DocumentStatus, Job, JobKind, JobStatus, User
from common.store import AlreadyExists, Conflict, NotFound, Page, StoreUnavailable

T = TypeVar("T", User, Document, Job)

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


def _stamp(moment: datetime) -> str:
    """A sortable UTC text for index columns (isoformat drops zero microseconds, which breaks ordering)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _encode_cursor(created: str, doc_id: str) -> str:
    return base64.urlsafe_b64encode(f"{created}|{doc_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        created, doc_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("invalid cursor") from exc
    return created, doc_id


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._conn() as conn:
            conn.executescript(_SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(documents)")}
            if "analysis" not in columns:  # a database made before the analysis had a column of its own
                conn.execute("ALTER TABLE documents ADD COLUMN analysis TEXT")

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=10000")
            self._local.conn = conn
        return conn

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        try:
            return self._conn().execute(sql, params)
        except sqlite3.IntegrityError:
            raise
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"sqlite: {exc}") from exc

    @staticmethod
    def _body(record: User | Document | Job) -> str:
        data = codec.dump(record)
        data.pop("version", None)
        data.pop("analysis", None)  # documents keep it in a column of its own, read only when wanted
        return json.dumps(data, separators=(",", ":"))

    @staticmethod
    def _analysis(doc: Document) -> str | None:
        return doc.analysis.model_dump_json() if doc.analysis is not None else None

    def _load_document(self, body: str, version: str, analysis: str | None) -> Document:
        doc = self._load(Document, body, version)
        if analysis is not None:
            doc.analysis = Analysis.model_validate_json(analysis)
        return doc

    @staticmethod
    def _load(cls: type[T], body: str, version: str) -> T:
        data = json.loads(body)
        data["version"] = version
        return codec.load(cls, data)

    def ping(self) -> None:
        self._exec("SELECT 1").fetchone()

    # users

    def create_user(self, user: User) -> User:
        user.version = uuid.uuid4().hex
        try:
            self._exec("INSERT INTO users VALUES (?, ?, ?)", (user.email, user.version, self._body(user)))
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(user.email) from exc
        return user

    def get_user(self, email: str) -> User:
        row = self._exec("SELECT body, version FROM users WHERE email = ?", (email,)).fetchone()
        if row is None:
            raise NotFound(email)
        return self._load(User, row[0], row[1])

    def update_user(self, user: User) -> User:
        new_version = uuid.uuid4().hex
        cur = self._exec(
            "UPDATE users SET body = ?, version = ? WHERE email = ? AND version = ?",
            (self._body(user), new_version, user.email, user.version),
        )
        self._check_updated(cur, "users", "email = ?", (user.email,))
        user.version = new_version
        return user

    def delete_user(self, email: str) -> None:
        self._exec("DELETE FROM users WHERE email = ?", (email,))

    # documents

    def create_document(self, doc: Document) -> Document:
        doc.version = uuid.uuid4().hex
        try:
            self._exec(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (doc.owner_email, doc.id, _stamp(doc.created_at), doc.sha256, str(doc.status), doc.version,
                 self._body(doc), self._analysis(doc)),
            )  # fmt: skip
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(doc.id) from exc
        return doc

    def get_document(self, owner_email: str, doc_id: str) -> Document:
        row = self._exec(
            "SELECT body, version, analysis FROM documents WHERE owner_email = ? AND id = ?",
            (owner_email, doc_id),
        ).fetchone()
        if row is None:
            raise NotFound(doc_id)
        return self._load_document(*row)

    def update_document(self, doc: Document) -> Document:
        new_version = uuid.uuid4().hex
        cur = self._exec(
            "UPDATE documents SET body = ?, analysis = ?, status = ?, version = ?"
            " WHERE owner_email = ? AND id = ? AND version = ?",
            (
                self._body(doc),
                self._analysis(doc),
                str(doc.status),
                new_version,
                doc.owner_email,
                doc.id,
                doc.version,
            ),
        )
        self._check_updated(cur, "documents", "owner_email = ? AND id = ?", (doc.owner_email, doc.id))
        doc.version = new_version
        return doc

    def delete_document(self, owner_email: str, doc_id: str) -> None:
        self._exec("DELETE FROM documents WHERE owner_email = ? AND id = ?", (owner_email, doc_id))

    def list_documents(self, owner_email: str, limit: int, cursor: str | None = None) -> Page:
        sql = "SELECT body, version, created_at, id FROM documents WHERE owner_email = ?"
        params: tuple[Any, ...] = (owner_email,)
        if cursor:
            created, doc_id = _decode_cursor(cursor)
            sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            params += (created, created, doc_id)
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        rows = self._exec(sql, (*params, limit + 1)).fetchall()
        items = [self._load(Document, r[0], r[1]) for r in rows[:limit]]
        next_cursor = _encode_cursor(rows[limit - 1][2], rows[limit - 1][3]) if len(rows) > limit else None
        return Page(items, next_cursor)

    def find_analyzed_document(self, owner_email: str, sha256: str) -> Document | None:
        row = self._exec(
            "SELECT body, version, analysis FROM documents WHERE owner_email = ? AND sha256 = ? AND status = ?"
            " ORDER BY created_at DESC LIMIT 1",
            (owner_email, sha256, str(DocumentStatus.ANALYZED)),
        ).fetchone()
        return self._load_document(*row) if row else None

    # jobs

    def create_job(self, job: Job) -> Job:
        job.version = uuid.uuid4().hex
        try:
            self._exec(
                "INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (job.owner_email, job.id, job.document_id, str(job.kind), str(job.status), _stamp(job.created_at),
                 _stamp(job.updated_at), job.version, self._body(job)),
            )  # fmt: skip
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(job.id) from exc
        return job

    def get_job(self, owner_email: str, job_id: str) -> Job:
        row = self._exec(
            "SELECT body, version FROM jobs WHERE owner_email = ? AND id = ?", (owner_email, job_id)
        ).fetchone()
        if row is None:
            raise NotFound(job_id)
        return self._load(Job, row[0], row[1])

    def update_job(self, job: Job) -> Job:
        new_version = uuid.uuid4().hex
        cur = self._exec(
            "UPDATE jobs SET body = ?, status = ?, updated_at = ?, version = ?"
            " WHERE owner_email = ? AND id = ? AND version = ?",
            (self._body(job), str(job.status), _stamp(job.updated_at), new_version, job.owner_email, job.id,
             job.version),
        )  # fmt: skip
        self._check_updated(cur, "jobs", "owner_email = ? AND id = ?", (job.owner_email, job.id))
        job.version = new_version
        return job

    def delete_job(self, owner_email: str, job_id: str) -> None:
        self._exec("DELETE FROM jobs WHERE owner_email = ? AND id = ?", (owner_email, job_id))

    def list_jobs(
        self,
        owner_email: str,
        status: JobStatus | None = None,
        kind: JobKind | None = None,
        document_id: str | None = None,
    ) -> list[Job]:
        sql = "SELECT body, version FROM jobs WHERE owner_email = ?"
        params: list[Any] = [owner_email]
        for column, value in (("status", status), ("kind", kind), ("document_id", document_id)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(str(value))
        rows = self._exec(sql + " ORDER BY created_at DESC", tuple(params)).fetchall()
        return [self._load(Job, r[0], r[1]) for r in rows]

    def ops_jobs_in_status(self, status: JobStatus, updated_before: datetime | None = None) -> Iterator[Job]:
        sql = "SELECT body, version FROM jobs WHERE status = ?"
        params: tuple[Any, ...] = (str(status),)
        if updated_before is not None:
            sql += " AND updated_at < ?"
            params += (_stamp(updated_before),)
        for body, version in self._exec(sql, params).fetchall():
            yield self._load(Job, body, version)

    def _check_updated(self, cur: sqlite3.Cursor, table: str, where: str, key: tuple[str, ...]) -> None:
        if cur.rowcount == 1:
            return
        exists = self._exec(f"SELECT 1 FROM {table} WHERE {where}", key).fetchone()  # noqa: S608 - ours
        raise Conflict(key[-1]) if exists else NotFound(key[-1])
