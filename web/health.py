"""Liveness, readiness and metrics: the probes the platform and Prometheus call."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from common.queue import QUEUES, oldest_age, queue_depth
from common.telemetry import QUEUE_DEPTH, QUEUE_OLDEST_AGE
from web.extensions import limiter
from web.services import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz() -> Response:
    """The process is up."""
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
def readyz() -> tuple[Response, int]:
    """Redis, the store and the blob store each answer for real."""
    svc = services()
    checks: dict[str, str] = {}
    for name, probe in (("redis", svc.redis.ping), ("store", svc.store.ping), ("blobs", svc.blobs.ping)):
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"{type(exc).__name__}: {exc}"[:300]
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


@bp.get("/metrics")
@limiter.exempt
def metrics() -> Response:
    """Prometheus text format; under gunicorn, the sum over every worker process."""
    svc = services()
    try:
        for queue in QUEUES:
            QUEUE_DEPTH.labels(queue).set(queue_depth(svc.celery, queue))
            QUEUE_OLDEST_AGE.labels(queue).set(oldest_age(svc.redis, queue) or 0.0)
    except Exception:  # noqa: S110 - depth is best effort; the other metrics still answer
        pass
    if svc.settings.prometheus_multiproc_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(svc.settings.prometheus_multiproc_dir))
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return Response(body, mimetype=CONTENT_TYPE_LATEST)
