"""The services' own ground: a real SQLite store and blob folder in a temporary directory, and a real
redis-server as the broker, on a database of its own so no session worker ever takes these messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery

from common import queue
from common.blobs.local import LocalBlobStore
from common.models import Document, Job, JobKind
from common.store.sqlite import SqliteStore

BROKER_DB = 7  # the session's workers consume database 0; pytest-redis gives 8


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "kraftd.sqlite3")


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@dataclass
class Broker:
    """The queues as Redis holds them: what was sent, taken off so each test sees only its own."""

    client: redis.Redis
    app: Celery

    def take(self, step: str) -> list[tuple[str, str]]:
        """The (owner e-mail, job id) of every message waiting for `step`, removed from its queue."""
        return queue.take_all(self.client, queue.STEP_QUEUE[step])


@pytest.fixture
def broker(redis_proc: Any) -> Broker:
    url = f"redis://{redis_proc.host}:{redis_proc.port}/{BROKER_DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    return Broker(client, queue.make_celery(url))


@pytest.fixture
def owner(request: pytest.FixtureRequest) -> str:
    return f"{request.node.name[:40].lower().replace('[', '-').replace(']', '')}@example.com"


def a_document(owner: str, sha256: str = "ab" * 32, **extra: Any) -> Document:
    doc = Document(
        owner_email=owner,
        filename="lease.pdf",
        content_type="application/pdf",
        size_bytes=1234,
        sha256=sha256,
        blob_name="",
        **extra,
    )
    return doc


def an_analysis_job(owner: str, document_id: str = "doc1", **extra: Any) -> Job:
    return Job.new(owner, JobKind.ANALYSIS, document_id, **extra)
