"""The design's floor: the pipeline's shape with no work in it, for bench/pipeline.py to measure beside the stack.

A bare Flask app under the project's gunicorn settings takes the upload (multipart, read, discarded) and sends a
Celery task; that task, in a worker of its own queue, sends the next; the second marks the job done in Redis;
the client polls the job until it is. So: one HTTP upload, two hand-offs through Redis to prefork workers with
the project's Celery settings (`celeryconfig`: late acks, prefetch 1, JSON, no events), and the polls. What
the real stack adds to this is its own work: the store, the blobs, the job record, extraction and analysis.

    FLOOR_REDIS_URL=redis://127.0.0.1:6390/0 WEB_PORT=8099 \\
        .venv/bin/gunicorn --config web/gunicorn_conf.py bench.floor_app:web
    FLOOR_REDIS_URL=... .venv/bin/celery --app bench.floor_app worker --queues floor-first --concurrency 2
"""

from __future__ import annotations

import os
import uuid

import redis
from celery import Celery
from flask import Flask, Response, jsonify, request

FIRST, SECOND = "floor-first", "floor-second"
_DONE_SECONDS = 600

broker_url = os.environ.get("FLOOR_REDIS_URL", "redis://127.0.0.1:6379/0")
app = Celery("floor")
app.config_from_object("celeryconfig")
app.conf.update(
    broker_url=broker_url,
    task_routes={"floor.first": {"queue": FIRST}, "floor.second": {"queue": SECOND}},
    task_queues=None,
    task_default_queue=FIRST,
    task_annotations=None,
)
_redis = redis.Redis.from_url(broker_url)


def _key(job_id: str) -> str:
    return f"floor:done:{job_id}"


@app.task(name="floor.first")
def first(job_id: str) -> None:
    """The first hand-off (extraction's place): passes the job on."""
    second.delay(job_id)


@app.task(name="floor.second")
def second(job_id: str) -> None:
    """The second (analysis' place): marks the job done."""
    _redis.set(_key(job_id), "1", ex=_DONE_SECONDS)


web = Flask(__name__)


@web.post("/api/v1/documents")
def upload() -> tuple[Response, int]:
    request.files["file"].read()
    job_id = uuid.uuid4().hex
    first.delay(job_id)
    return jsonify(job={"id": job_id, "status": "queued"}), 202


@web.get("/api/v1/jobs/<job_id>")
def poll(job_id: str) -> Response | tuple[str, int]:
    status = "succeeded" if _redis.exists(_key(job_id)) else "queued"
    if request.headers.get("If-None-Match") == status:
        return "", 304
    answer = jsonify(id=job_id, status=status)
    answer.headers["ETag"] = status
    return answer
