"""`queues drain --workers GLOB`: a blue-green release drains the outgoing release's workers only; the
queue is not flagged, so the incoming release's workers consume it, and take over what was left queued."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import Mailbox
from tests.helpers import bearer, signed_in
from tests.pipeline import CONTRACT_TEXT, upload, wait_for_job
from tests.processes import Workers

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def operator(config: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    """`flask --app web …` as an operator runs it: a process of its own against the stack's broker."""
    env = {**os.environ, "REDIS_URL": config["redis_url"], "DATA_DIR": str(config["data_dir"])}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "web", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_draining_workers_no_one_runs_is_an_error_not_a_silent_success(
    stack_config: dict[str, Any], workers: Workers
) -> None:
    result = operator(stack_config, "queues", "drain", "--workers", "nobody@*")
    assert result.returncode == 1, result.stderr
    assert "no running worker matches 'nobody@*'" in result.stderr


def test_the_outgoing_workers_drain_and_the_incoming_ones_take_over_the_queue(
    stack_client: FlaskClient, stack_config: dict[str, Any], workers: Workers, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    outgoing = workers.by_queue["extract"]
    drained = operator(
        stack_config, "queues", "drain", "--queue", "extract", "--workers", "extract@*", "--timeout", "60"
    )
    assert drained.returncode == 0, drained.stdout + drained.stderr
    assert "workers: extract@test-" in drained.stdout
    job_id = upload(stack_client, tokens, "msa.txt", CONTRACT_TEXT.encode()).json["job"]["id"]

    status = json.loads(operator(stack_config, "queues", "status", "--json").stdout)
    extract = next(q for q in status["queues"] if q["name"] == "extract")
    assert (extract["consumers"], extract["drained"]) == (0, False), "no flag: workers started later consume"
    assert stack_client.get(f"/api/v1/jobs/{job_id}", headers=bearer(tokens)).json["status"] == "queued"

    workers.by_queue.pop("extract")
    outgoing.process.send_signal(signal.SIGTERM)  # retired once drained
    assert outgoing.process.wait(timeout=60) == 0
    workers.start("extract")  # the incoming release's worker
    finished = wait_for_job(stack_client, tokens, job_id)
    assert finished["status"] == "succeeded"
    assert {s["name"]: s["attempts"] for s in finished["steps"]} == {"extract": 1, "ocr": 0, "analyze": 1}
