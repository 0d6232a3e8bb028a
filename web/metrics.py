"""Request metrics and `GET /metrics` (prometheus-flask-exporter), both only when METRICS_ENABLED.

Every request is counted by `count_request`, once: by the Flask hooks here, or by the job poll's own WSGI path
(`web.fast_poll`). Every label comes from a closed set, so no client can grow `/metrics`: `route` is the matched
route rule (`/api/v1/jobs/<job_id>`) or `unmatched`, `method` one of HTTP_METHODS or `OTHER`, `status` a status
code. Under gunicorn the exporter reads PROMETHEUS_MULTIPROC_DIR itself and answers the sum over every process
that writes there (web workers and, under `make run`, the Celery workers); without it, this process' metrics.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache, wraps
from typing import Any

from flask import Flask, Request, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_flask_exporter import PrometheusMetrics

from common.config import Settings
from common.queue import QUEUES, oldest_age, queue_depth
from common.telemetry import QUEUE_DEPTH, QUEUE_OLDEST_AGE
from web.api import declare
from web.services import services

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10)

HTTP_REQUESTS = Counter("kraftd_http_request_total", "HTTP requests answered", ["method", "status"])
HTTP_DURATION = Histogram(
    "kraftd_http_request_duration_seconds",
    "Time to answer an HTTP request, by route rule",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)


def count_request(method: str, rule: str, status: int, seconds: float) -> None:
    """One answered request in the request metrics."""
    count, duration = _series(method if method in HTTP_METHODS else "OTHER", rule, status)
    count.inc()
    duration.observe(seconds)


@cache  # bounded: every label comes from a closed set
def _series(method: str, rule: str, status: int) -> tuple[Counter, Histogram]:
    """The labelled series of one kind of answer, looked up once (`labels` checks and locks on every call)."""
    return HTTP_REQUESTS.labels(method, str(status)), HTTP_DURATION.labels(method, rule, str(status))


def route(req: Request) -> str:
    """The route rule that matched, never the raw path, so unknown paths add no series."""
    return req.url_rule.rule if req.url_rule else UNMATCHED


def _bound_method() -> None:
    """A method outside HTTP_METHODS counts as `OTHER`. Routing has already answered it (405) by the real
    method; only the labels, the log line and the error message see `OTHER`."""
    if request.method not in HTTP_METHODS:
        request.method = "OTHER"


def _count(response: Response) -> Response:
    started = g.get("started", time.perf_counter())  # the request's start, set by web.security
    count_request(request.method, route(request), response.status_code, time.perf_counter() - started)
    return response


def _with_queue_gauges(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refresh the queue depth and oldest-age gauges from Redis just before a scrape reads them."""

    @wraps(view)
    def scrape(*args: Any, **kwargs: Any) -> Any:
        svc = services()
        try:
            for queue in QUEUES:
                QUEUE_DEPTH.labels(queue).set(queue_depth(svc.celery, queue))
                QUEUE_OLDEST_AGE.labels(queue).set(oldest_age(svc.redis, queue) or 0.0)
        except Exception:  # noqa: S110 - depth is best effort; the other metrics still answer
            pass
        return view(*args, **kwargs)

    return scrape


def _scrape(view: Callable[..., Any]) -> Callable[..., Any]:
    """The exporter's `/metrics` view, with fresh queue gauges and declared in the OpenAPI document."""
    return declare("health", {200: None}, auth=False, api=False, media={200: "text/plain"})(
        _with_queue_gauges(view)
    )


def init_metrics(app: Flask, settings: Settings) -> PrometheusMetrics | None:
    """Count and time every request, and serve `GET /metrics`; nothing at all when metrics are off."""
    if not settings.metrics_enabled:
        return None
    app.before_request(_bound_method)
    app.after_request(_count)
    # The exporter serves /metrics only: its per-request metrics are off (`count_request` keeps ours, which the
    # poll's WSGI path counts into too). Its own registry reports the process-wide metrics; its info metric is
    # registered there once per app (tests build many apps in one process).
    registry = CollectorRegistry()
    registry.register(REGISTRY)
    return PrometheusMetrics(app, registry=registry, export_defaults=False, metrics_decorator=_scrape)
