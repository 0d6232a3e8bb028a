"""Liveness and readiness: the probes the platform calls (`/metrics` is web/metrics.py)."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint
from pydantic import BaseModel

from web.api import declare
from web.extensions import limiter
from web.services import services

bp = Blueprint("health", __name__)


class Alive(BaseModel):
    status: Literal["ok"]


class Checks(BaseModel):
    """Each `ok`, or the error that backing service answered."""

    redis: str
    store: str
    blobs: str


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: Checks


@bp.get("/healthz")
@limiter.exempt
@declare("health", {200: Alive}, auth=False, api=False)
def healthz() -> Alive:
    """The process is up."""
    return Alive(status="ok")


@bp.get("/readyz")
@limiter.exempt
@declare("health", {200: Readiness, 503: Readiness}, auth=False, api=False)
def readyz() -> tuple[Readiness, int]:
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
    return Readiness(status="ok" if ready else "unavailable", checks=Checks(**checks)), 200 if ready else 503
