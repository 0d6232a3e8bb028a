"""A worker's world without Celery processes: settings, a real SQLite store and blob folder in a temp dir, and
a Celery app on the session's real redis-server (its own database, so the integration tests' workers, which
consume database 0, never take these messages)."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from celery import Celery

from common.blobs.local import LocalBlobStore
from common.config import Settings
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
