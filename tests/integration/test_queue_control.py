"""Operators' commands against the real broker and workers: drain, status, purge, resume, retry-failed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from common.models import JobStatus, utcnow
from tests.helpers import bearer, signed_in
from tests.pipeline import CONTRACT_TEXT, upload, wait_for_job
from tests.processes import Workers
from tests.servers import Mailbox

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Ran:
    exit_code: int
    output: str  # standard output and error, as an operator sees them


def run(app: Flask, *args: str) -> Ran:
    """`flask --app web …` as an operator runs it beside the stack: a process of its own (each command is one in
    production, so no connection of a long-lived test process is carried from one command to the next)."""
    settings = app.extensions["kraftd"].settings
    env = {**os.environ, "REDIS_URL": settings.redis_url, "DATA_DIR": str(settings.data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "web", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Ran(done.returncode, done.stdout + done.stderr)


@pytest.fixture
def resumed_afterwards(stack_app: Flask, workers: Workers) -> Iterator[None]:
    yield
    run(stack_app, "queues", "resume")


def _job_status(client: FlaskClient, tokens: dict[str, str], job_id: str) -> str:
    status: str = client.get(f"/api/v1/jobs/{job_id}", headers=bearer(tokens)).json["status"]
    return status


def test_a_drained_queue_keeps_its_jobs_until_resumed(
    stack_client: FlaskClient, stack_app: Flask, mailbox: Mailbox, email: str, resumed_afterwards: None
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    drained = run(stack_app, "queues", "drain", "--queue", "extract", "--timeout", "60")
    assert drained.exit_code == 0, drained.output
    assert "drained" in drained.output

    jobs = [
        upload(stack_client, tokens, f"c{i}.txt", f"{CONTRACT_TEXT}{i}".encode()).json["job"]["id"]
        for i in range(3)
    ]
    time.sleep(1.5)
    assert {_job_status(stack_client, tokens, j) for j in jobs} == {"queued"}, "no task starts while drained"

    status = run(stack_app, "queues", "status", "--json")
    assert status.exit_code == 0, status.output
    extract = next(q for q in json.loads(status.output)["queues"] if q["name"] == "extract")
    assert extract["depth"] == 3
    assert extract["drained"] is True
    assert extract["consumers"] == 0

    assert run(stack_app, "queues", "resume", "--queue", "extract").exit_code == 0
    for job_id in jobs:
        finished = wait_for_job(stack_client, tokens, job_id)
        assert finished["status"] == "succeeded"
        # extract and analyze ran exactly once; OCR (not needed for text) not at all
        assert [s["attempts"] for s in finished["steps"]] == [1, 0, 1], "each step ran exactly once"


def test_purged_jobs_fail_clearly_and_retry_failed_brings_them_back(
    stack_client: FlaskClient, stack_app: Flask, mailbox: Mailbox, email: str, resumed_afterwards: None
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    assert run(stack_app, "queues", "drain", "--queue", "extract").exit_code == 0
    job_id = upload(stack_client, tokens, "msa.txt", CONTRACT_TEXT.encode()).json["job"]["id"]

    refused = run(stack_app, "queues", "purge", "--queue", "extract")
    assert refused.exit_code != 0
    purged = run(stack_app, "queues", "purge", "--queue", "extract", "--yes")
    assert purged.exit_code == 0, purged.output
    assert job_id in purged.output
    failed = stack_client.get(f"/api/v1/jobs/{job_id}", headers=bearer(tokens)).json
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "purged"

    assert run(stack_app, "queues", "resume").exit_code == 0
    retried = run(stack_app, "jobs", "retry-failed", "--since", "2000-01-01T00:00:00Z")
    assert retried.exit_code == 0, retried.output
    assert job_id in retried.output
    assert wait_for_job(stack_client, tokens, job_id)["status"] == "succeeded"


def test_retry_failed_leaves_permanent_failures_alone(
    stack_client: FlaskClient, stack_app: Flask, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    job_id = upload(stack_client, tokens, "bad.pdf", b"%PDF-1.4\n" + b"garbage " * 100).json["job"]["id"]
    assert wait_for_job(stack_client, tokens, job_id)["status"] == "failed"
    retried = run(stack_app, "jobs", "retry-failed")
    assert retried.exit_code == 0
    assert job_id not in retried.output
    assert _job_status(stack_client, tokens, job_id) == "failed"


def test_a_worker_started_during_a_drain_does_not_consume(
    stack_client: FlaskClient,
    stack_app: Flask,
    workers: Workers,
    mailbox: Mailbox,
    email: str,
    resumed_afterwards: None,
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    assert run(stack_app, "queues", "drain", "--queue", "extract").exit_code == 0
    workers.kill("extract")
    workers.start("extract")  # a new replica, as an autoscaler would start one
    job_id = upload(stack_client, tokens, "msa.txt", CONTRACT_TEXT.encode()).json["job"]["id"]
    time.sleep(1.5)
    assert _job_status(stack_client, tokens, job_id) == "queued"
    assert run(stack_app, "queues", "resume", "--queue", "extract").exit_code == 0
    assert wait_for_job(stack_client, tokens, job_id)["status"] == "succeeded"


def test_a_drain_says_how_many_workers_acknowledged_each_queue(
    stack_app: Flask, workers: Workers, resumed_afterwards: None
) -> None:
    replica = Workers(workers.env, workers.log_dir)
    replica.start("analyze")  # two replicas of analyze, one of extract
    try:
        drained = run(stack_app, "queues", "drain", "--queue", "extract", "--timeout", "60")
        assert drained.exit_code == 0, drained.output
        assert "extract: 1 worker acknowledged" in drained.output
        assert "warning" not in drained.output

        both = run(stack_app, "queues", "drain", "--queue", "analyze", "--timeout", "60")
        assert both.exit_code == 0, both.output
        assert "analyze: 2 workers acknowledged" in both.output
    finally:
        replica.stop_all()


def test_a_drain_nobody_acknowledged_is_a_warning_and_not_a_success(redis_url: str, tmp_path: Path) -> None:
    # A broker no worker listens on, as when the command reaches another stack's Redis.
    elsewhere = f"{redis_url.rsplit('/', 1)[0]}/7"
    (tmp_path / "redis.url").write_text(elsewhere + "\n")
    answer = _flask(str(tmp_path), "queues", "drain", "--queue", "extract", "--timeout", "5")
    redis.Redis.from_url(elsewhere).flushdb()
    assert answer.returncode == 3, answer.stdout + answer.stderr
    assert "extract: 0 workers acknowledged" in answer.stdout
    assert "warning: no worker acknowledged the drain of extract" in answer.stderr
    assert "drained:" not in answer.stdout


def test_drain_rejects_an_unknown_queue(stack_app: Flask) -> None:
    result = run(stack_app, "queues", "drain", "--queue", "nope")
    assert result.exit_code != 0
    assert "unknown queue" in result.output


def test_a_drain_during_a_burst_lets_in_flight_work_finish_and_starts_nothing_new(
    stack_client: FlaskClient, stack_app: Flask, mailbox: Mailbox, email: str, resumed_afterwards: None
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    body = CONTRACT_TEXT * 1000  # a few seconds of analysis each
    jobs = [
        upload(stack_client, tokens, f"b{i}.txt", f"{body}{i}".encode()).json["job"]["id"] for i in range(6)
    ]
    time.sleep(0.5)  # let the workers pick some up

    drained = run(stack_app, "queues", "drain", "--timeout", "120")
    returned = utcnow()
    assert drained.exit_code == 0, drained.output
    time.sleep(2)

    store = stack_app.extensions["kraftd"].store
    records = [store.get_job(email, job_id) for job_id in jobs]
    assert all(r.status is not JobStatus.RUNNING for r in records), "every in-flight step finished"
    assert all(s.status != "running" for r in records for s in r.steps)
    starts = [s.started_at for r in records for s in r.steps if s.started_at]
    assert all(start < returned for start in starts), "no step started after the drain returned"
    assert any(r.status is JobStatus.QUEUED for r in records), "the rest waits in Redis"

    assert run(stack_app, "queues", "resume").exit_code == 0
    for job_id in jobs:
        finished = wait_for_job(stack_client, tokens, job_id, timeout=120)
        assert finished["status"] == "succeeded"
        assert [s["attempts"] for s in finished["steps"]] == [1, 0, 1], "every job ran exactly once"


def test_a_worker_told_to_stop_finishes_its_task_first(
    stack_client: FlaskClient, workers: Workers, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    job_id = upload(stack_client, tokens, "big.txt", (CONTRACT_TEXT * 2500).encode()).json["job"]["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        steps = stack_client.get(f"/api/v1/jobs/{job_id}", headers=bearer(tokens)).json["steps"]
        if {s["name"]: s["status"] for s in steps}["analyze"] == "running":
            break
        time.sleep(0.2)  # within the polling limit (RATE_LIMIT_POLL, 600/minute)
    worker = workers.by_queue.pop("analyze")
    worker.process.send_signal(signal.SIGTERM)  # what the platform sends before it stops a replica
    try:
        worker.process.wait(timeout=60)
        finished = wait_for_job(stack_client, tokens, job_id, timeout=5)
        assert finished["status"] == "succeeded"
        analyze = next(s for s in finished["steps"] if s["name"] == "analyze")
        assert analyze["attempts"] == 1, "finished by the worker that had it, not redelivered"
    finally:
        workers.start("analyze")


def _flask(data_dir: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The command as an operator types it beside `make run`: no REDIS_URL, only the stack's DATA_DIR."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DATA_DIR"] = data_dir
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "web", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_a_stack_the_queue_commands_refuse_rather_than_guess(tmp_path: Path) -> None:
    answer = _flask(str(tmp_path), "queues", "drain", "--timeout", "1")
    assert answer.returncode != 0
    assert "no running stack found" in answer.stderr
    assert "drained" not in answer.stdout


def test_the_queue_commands_reach_the_stack_of_their_data_dir(redis_url: str, tmp_path: Path) -> None:
    (tmp_path / "redis.url").write_text(redis_url + "\n")
    answer = _flask(str(tmp_path), "queues", "status", "--json")
    assert answer.returncode == 0, answer.stderr
    assert {q["name"] for q in json.loads(answer.stdout)["queues"]} >= {"extract", "analyze", "export"}
