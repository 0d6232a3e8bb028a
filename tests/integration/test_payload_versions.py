"""Task messages carry a payload version, so the two releases of a blue-green switch share the queues safely:
what the outgoing release queued is done by the incoming one, and a message a release cannot read is handed
back unrun rather than misread. Against the session's real broker and workers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from common import queue as queue_ops
from tests.conftest import Mailbox
from tests.helpers import bearer, signed_in
from tests.pipeline import CONTRACT_TEXT, upload, wait_for_job
from tests.processes import Workers

pytestmark = pytest.mark.integration


@pytest.fixture
def extract_held(stack_app: Flask, workers: Workers) -> Iterator[None]:
    """The extract queue drained, so a test can replace the message an upload queued; resumed afterwards."""
    drained = stack_app.test_cli_runner().invoke(
        args=["queues", "drain", "--queue", "extract", "--timeout", "60"]
    )
    assert drained.exit_code == 0, drained.output
    yield
    stack_app.test_cli_runner().invoke(args=["queues", "resume", "--queue", "extract"])


def _requeue_as(stack_app: Flask, email: str, job_id: str, headers: dict[str, object]) -> str:
    """Take the message the upload queued and send the job's extract task again with `headers` only, as a
    release that writes them so would; answers its task id (the one the job record names)."""
    svc = stack_app.extensions["kraftd"]
    assert queue_ops.take_all(svc.celery, "extract") == [(email, job_id)]
    task_id: str = svc.store.get_job(email, job_id).task_id
    svc.celery.send_task(
        "kraftd.extract", args=[email, job_id], queue="extract", task_id=task_id, headers=headers
    )
    return task_id


def test_a_message_the_previous_release_queued_is_completed_by_this_one(
    stack_client: FlaskClient, stack_app: Flask, mailbox: Mailbox, email: str, extract_held: None
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    job_id = upload(stack_client, tokens, "old.txt", CONTRACT_TEXT.encode()).json["job"]["id"]
    # The release before payload versions sent its messages with this header alone.
    _requeue_as(stack_app, email, job_id, {"kraftd_sent_at": time.time()})

    assert stack_app.test_cli_runner().invoke(args=["queues", "resume", "--queue", "extract"]).exit_code == 0
    finished = wait_for_job(stack_client, tokens, job_id)
    assert finished["status"] == "succeeded"
    assert {s["name"]: s["attempts"] for s in finished["steps"]} == {"extract": 1, "ocr": 0, "analyze": 1}


def test_this_release_writes_its_payload_version_on_every_message(
    stack_client: FlaskClient, stack_app: Flask, mailbox: Mailbox, email: str, extract_held: None
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    upload(stack_client, tokens, "new.txt", CONTRACT_TEXT.encode())
    client = stack_app.extensions["kraftd"].redis
    message = json.loads(client.lindex("extract", -1))
    assert message["headers"][queue_ops.PAYLOAD_HEADER] == queue_ops.PAYLOAD_VERSION
    assert queue_ops.PAYLOAD_VERSION in queue_ops.READABLE_PAYLOADS


def test_a_message_of_a_newer_payload_is_handed_back_unrun_and_its_job_is_not_lost(
    stack_client: FlaskClient,
    stack_app: Flask,
    workers: Workers,
    mailbox: Mailbox,
    email: str,
    extract_held: None,
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    job_id = upload(stack_client, tokens, "next.txt", CONTRACT_TEXT.encode()).json["job"]["id"]
    newer = max(queue_ops.READABLE_PAYLOADS) + 1
    task_id = _requeue_as(
        stack_app, email, job_id, {"kraftd_sent_at": time.time(), queue_ops.PAYLOAD_HEADER: newer}
    )
    assert stack_app.test_cli_runner().invoke(args=["queues", "resume", "--queue", "extract"]).exit_code == 0

    deadline = time.monotonic() + 30
    worker = workers.by_queue["extract"]
    while f"payload version {newer} is not one this release reads" not in worker.log():
        assert time.monotonic() < deadline, "the worker never received the message"
        time.sleep(0.1)
    job = stack_client.get(f"/api/v1/jobs/{job_id}", headers=bearer(tokens)).json
    assert job["status"] == "queued", "this release did not run what it cannot read"
    assert {s["attempts"] for s in job["steps"]} == {0}

    # No newer release comes (as after a rollback): the watchdog re-sends the job in this release's version
    # once it has waited QUEUED_TIMEOUT_SECONDS (4 s in the tests), and the job is done once.
    finished = wait_for_job(stack_client, tokens, job_id)
    assert finished["status"] == "succeeded"
    assert {s["name"]: s["attempts"] for s in finished["steps"]} == {"extract": 1, "ocr": 0, "analyze": 1}
    while "its job has moved on" not in worker.log():  # the old message, come round again, is dropped
        assert time.monotonic() < deadline + 30, f"message {task_id} still handed back"
        time.sleep(0.2)
