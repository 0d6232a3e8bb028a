"""A worker's world without Celery processes: settings, a real SQLite store and blob folder in a temp dir, and
a Celery app on the session's real redis-server (its own database, so the integration tests' workers, which
consume database 0, never take these messages)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery

from common import queue
from common.blobs.local import LocalBlobStore
from common.config import Settings
from common.models import Document, Job, JobKind
from common.queue import make_celery
from common.store.sqlite import SqliteStore
from worker.runner import StepContext

UNIT_BROKER_DB = 1


@pytest.fixture
def broker_url(redis_url: str) -> str:
    url = f"{redis_url.rsplit('/', 1)[0]}/{UNIT_BROKER_DB}"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def settings(tmp_path: Path, broker_url: str) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path,
        redis_url=broker_url,
        cosmos_endpoint=None,
        azure_storage_connection_string=None,
        azure_storage_account_url=None,
        job_max_attempts=3,
        heartbeat_timeout_seconds=120,
        queued_timeout_seconds=600,
    )


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "kraftd.sqlite3")


@pytest.fixture
def celery(settings: Settings) -> Celery:
    return make_celery(settings)


@pytest.fixture
def broker(broker_url: str) -> redis.Redis:
    return redis.Redis.from_url(broker_url)


@pytest.fixture
def ctx(settings: Settings, store: SqliteStore, tmp_path: Path, celery: Celery) -> StepContext:
    return StepContext(settings, store, LocalBlobStore(tmp_path / "blobs"), celery, "unit-worker:1")


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@dataclass
class Queued:
    """The queues as Redis holds them: what was sent, taken off so each test sees only its own."""

    app: Celery

    def take(self, stage: str) -> list[tuple[str, str]]:
        """The (owner e-mail, job id) of every message waiting for `stage`, removed from its queue."""
        return queue.take_all(self.app, stage)


@pytest.fixture
def queued(celery: Celery) -> Queued:
    return Queued(celery)


@pytest.fixture
def owner(request: pytest.FixtureRequest) -> str:
    return f"{request.node.name[:40].lower().replace('[', '-').replace(']', '')}@example.com"


def a_document(owner: str, sha256: str = "ab" * 32, **extra: Any) -> Document:
    return Document(
        owner_email=owner,
        filename="lease.pdf",
        content_type="application/pdf",
        size_bytes=1234,
        sha256=sha256,
        blob_name="",
        **extra,
    )


def an_analysis_job(owner: str, document_id: str = "doc1", **extra: Any) -> Job:
    return Job.new(owner, JobKind.ANALYSIS, document_id, **extra)
