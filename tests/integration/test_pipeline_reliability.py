"""Workers die, Redis goes away, messages come twice: every job still ends once, correctly."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bench.contracts import write_pdf
from common.models import JobStatus
from common.queue import enqueue
from common.store import Store
from tests.conftest import fresh_client
from tests.helpers import bearer, signed_in
from tests.pipeline import CONTRACT_TEXT, upload, wait_for_job
from tests.processes import RedisServer, Workers, stack_env
from tests.servers import Mailbox, free_port
from web import create_app

pytestmark = pytest.mark.integration

# Large enough that the analysis step runs for a few seconds, so a worker can be killed in the middle of it.
BIG_CONTRACT = (CONTRACT_TEXT * 4000).encode()


def _store(app: Flask) -> Store:
    store: Store = app.extensions["kraftd"].store
    return store


def _wait_step_running(client: FlaskClient, tokens: dict[str, Any], job_id: str, step: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=bearer(tokens)).json
        states = {s["name"]: s["status"] for s in job["steps"]}
        if states[step] == "running":
            return
        assert job["status"] not in ("succeeded", "failed"), job
        time.sleep(0.05)
    raise AssertionError(f"step {step} never ran")


def test_a_killed_pool_child_is_redelivered_at_once(
    stack_client: FlaskClient, stack_app: Flask, workers: Workers, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    answer = upload(stack_client, tokens, "big.txt", BIG_CONTRACT)
    job_id = answer.json["job"]["id"]
    _wait_step_running(stack_client, tokens, job_id, "analyze")

    children = workers.by_queue["analyze"].children()
    assert children, "the analyze worker has a pool child"
    for pid in children:
        os.kill(pid, signal.SIGKILL)

    finished = wait_for_job(stack_client, tokens, job_id, timeout=120)
    assert finished["status"] == "succeeded", finished
    analyze = next(s for s in finished["steps"] if s["name"] == "analyze")
    assert analyze["attempts"] == 2
    doc = _store(stack_app).get_document(email, answer.json["document"]["id"])
    assert doc.analysis is not None
    assert doc.status == "analyzed"


def test_a_whole_killed_worker_is_recovered_by_the_watchdog(
    stack_client: FlaskClient, stack_app: Flask, workers: Workers, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    answer = upload(stack_client, tokens, "big.txt", BIG_CONTRACT)
    job_id = answer.json["job"]["id"]
    _wait_step_running(stack_client, tokens, job_id, "analyze")

    workers.kill("analyze")
    workers.start("analyze")  # the platform starts a replacement; the old message stays unacked in Redis

    finished = wait_for_job(stack_client, tokens, job_id, timeout=120)
    assert finished["status"] == "succeeded", finished
    analyze = next(s for s in finished["steps"] if s["name"] == "analyze")
    assert analyze["attempts"] == 2
    beat_log = workers.log_dir.joinpath("beat.log").read_text()
    assert "kraftd.watchdog" in beat_log


def test_a_late_duplicate_of_a_finished_step_changes_nothing(
    stack_client: FlaskClient, stack_app: Flask, workers: Workers, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    answer = upload(stack_client, tokens, "msa.txt", CONTRACT_TEXT.encode())
    job_id = answer.json["job"]["id"]
    first_task = _store(stack_app).get_job(email, job_id).task_id
    assert wait_for_job(stack_client, tokens, job_id)["status"] == "succeeded"
    before = _store(stack_app).get_job(email, job_id)
    doc_before = _store(stack_app).get_document(email, answer.json["document"]["id"])

    assert first_task is not None
    enqueue(stack_app.extensions["kraftd"].celery, "extract", email, job_id, first_task)
    enqueue(stack_app.extensions["kraftd"].celery, "analyze", email, job_id, first_task)
    for step in ("extract", "analyze"):  # each duplicate has been taken and dropped, however busy the machine
        _wait_for(lambda step=step: f"skipping {step} for job {job_id}" in workers.by_queue[step].log(), step)

    after = _store(stack_app).get_job(email, job_id)
    assert after.version == before.version
    assert after.status is JobStatus.SUCCEEDED
    assert _store(stack_app).get_document(email, doc_before.id).version == doc_before.version


@pytest.fixture
def own_redis(tmp_path: Path) -> Any:
    server = RedisServer(free_port(), tmp_path)
    server.start()
    yield server
    server.stop()


def test_uploads_answer_503_while_redis_is_down_and_recover_without_restart(
    own_redis: RedisServer, stack_config: dict[str, Any], tmp_path: Path, mailbox: Mailbox, email: str
) -> None:
    app = create_app({**stack_config, "redis_url": own_redis.url, "data_dir": tmp_path / "data"})
    client = fresh_client(app)
    tokens = signed_in(client, mailbox, email)

    own_redis.stop()
    answer = upload(client, tokens, "msa.txt", CONTRACT_TEXT.encode())
    assert answer.status_code == 503
    assert answer.json["error"]["code"] == "queue_unavailable"
    assert "Retry-After" in answer.headers
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["redis"] != "ok"
    assert ready.json["checks"]["store"] == "ok"

    own_redis.start()
    assert client.get("/readyz").status_code == 200
    listed = client.get("/api/v1/documents", headers=bearer(tokens)).json
    assert listed["items"] == [], "nothing half-written is left visible"
    again = upload(client, tokens, "msa.txt", CONTRACT_TEXT.encode())
    assert again.status_code == 202, again.json


def _a_long_pdf(tmp_path: Path, pages: int) -> bytes:
    """A PDF whose extraction takes a second or two, so a test can catch its worker mid-step."""
    path = tmp_path / "long.pdf"
    write_pdf(path, [f"{CONTRACT_TEXT} Page {n}." for n in range(pages)])
    return path.read_bytes()


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout}s")
        time.sleep(0.05)


def test_a_redis_stop_at_the_hand_off_costs_seconds_not_the_watchdog_s_minutes(
    own_redis: RedisServer, stack_config: dict[str, Any], tmp_path: Path, mailbox: Mailbox, email: str
) -> None:
    # No beat runs here, and the watchdog's bound is the default 10 minutes: only the hand-off can save the job.
    config = {**stack_config, "redis_url": own_redis.url, "data_dir": tmp_path / "data",
              "queued_timeout_seconds": 600, "heartbeat_timeout_seconds": 600}  # fmt: skip
    app = create_app(config)
    (tmp_path / "logs").mkdir()
    pool = Workers(stack_env(config), tmp_path / "logs")
    try:
        pool.start("extract")
        pool.start("analyze")
        client = fresh_client(app)
        tokens = signed_in(client, mailbox, email)
        store = _store(app)
        job_id = upload(client, tokens, "long.pdf", _a_long_pdf(tmp_path, 150)).json["job"]["id"]
        _wait_for(lambda: store.get_job(email, job_id).step("extract").status == "running", "extraction")

        # Freeze the extraction, stop Redis, and let the extraction run on while Redis is away: its last writes
        # (they mark the job's polled view first) and its hand-off wait for Redis instead of failing.
        children = pool.by_queue["extract"].children()
        for pid in children:
            os.kill(pid, signal.SIGSTOP)
        assert store.get_job(email, job_id).step("extract").status == "running", "caught in the middle"
        own_redis.stop()
        for pid in children:
            os.kill(pid, signal.SIGCONT)
        time.sleep(
            5
        )  # the stall itself: Redis stays away this long (a duration staged, not a wait for a state)
        own_redis.start()
        restarted = time.monotonic()

        _wait_for(lambda: store.get_job(email, job_id).status.finished, "the job's end", timeout=120)
        took = time.monotonic() - restarted
        job = store.get_job(email, job_id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        # 1-2 s when quiet; the bound is generous for a loaded machine and still far below the watchdog's 600 s.
        assert took < 60, f"the job finished {took:.1f}s after Redis came back"
        assert (job.step("extract").attempts, job.step("analyze").attempts) == (1, 1), "no step ran twice"
    finally:
        pool.stop_all()
