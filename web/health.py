"""Liveness and readiness: the probes the platform calls (`/metrics` is web/metrics.py)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

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
