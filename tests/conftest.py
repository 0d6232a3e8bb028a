"""Real servers for the tests, started once per session: redis-server and an SMTP sink."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from pytest_redis import factories

from tests import servers
from tests.processes import Workers, stack_env
from tests.servers import Mailbox
from web import create_app

pytest_plugins = ["tests.azure_servers"]

TEST_JWT_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"

redis_proc = factories.redis_proc(port=None)


@pytest.fixture(scope="session")
def redis_url(redis_proc: Any) -> str:
    return f"redis://{redis_proc.host}:{redis_proc.port}/0"


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[tuple[Mailbox, int]]:
    with servers.smtp_sink() as running:
        yield running


@pytest.fixture(scope="session")
def mailbox(smtp_sink: tuple[Mailbox, int]) -> Mailbox:
    return smtp_sink[0]


@pytest.fixture(scope="session")
def base_config(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, smtp_sink: tuple[Mailbox, int]
) -> dict[str, Any]:
    """Settings of the test stack, by field name."""
    data_dir: Path = tmp_path_factory.mktemp("data")
    return {
        "environment": "test",
        "data_dir": data_dir,
        "redis_url": redis_url,
        "jwt_secret_key": TEST_JWT_SECRET,
        "mail_server": "127.0.0.1",
        "mail_port": smtp_sink[1],
        "public_url": "http://127.0.0.1:8000",
        "allowed_origins": "http://127.0.0.1:8000",
    }


@pytest.fixture(scope="session")
def app(base_config: dict[str, Any]) -> Flask:
    return create_app(base_config)


_addresses = itertools.count(1)


def fresh_client(app: Flask) -> FlaskClient:
    """A client with an address of its own, so rate limits of one test never spill into another."""
    n = next(_addresses)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    return client


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return fresh_client(app)


@pytest.fixture
def redis_client(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


_emails = itertools.count(1)


@pytest.fixture
def email(request: pytest.FixtureRequest) -> str:
    return (
        f"user{next(_emails)}-{request.node.name[:20].replace('[', '-').replace(']', '')}@example.com".lower()
    )


WORKER_SETTINGS = {
    "heartbeat_timeout_seconds": 3,
    "queued_timeout_seconds": 4,
    "watchdog_interval_seconds": 1,
    "job_max_attempts": 3,
}


@pytest.fixture(scope="session")
def stack_config(base_config: dict[str, Any]) -> dict[str, Any]:
    """Settings shared by the web app under test and the worker processes."""
    return {**base_config, **WORKER_SETTINGS}


@pytest.fixture(scope="session")
def workers(stack_config: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    """One real Celery worker per queue and Celery beat (the watchdog), for the whole session."""
    pool = Workers(stack_env(stack_config), tmp_path_factory.mktemp("worker-logs"))
    try:
        pool.start_every_stage()
        pool.start_beat()
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture(scope="session")
def stack_app(stack_config: dict[str, Any]) -> Flask:
    return create_app(stack_config)


@pytest.fixture
def stack_client(stack_app: Flask, workers: Workers) -> FlaskClient:
    """A client of the web app whose jobs are run by the real workers."""
    return fresh_client(stack_app)
