"""The release watch judges the new release by the difference of two real scrapes of its request metrics."""

from __future__ import annotations

import pytest
from flask import Flask
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from bluegreen.watch import WatchPolicy, judge, quantile, sample
from web.metrics import LATENCY_BUCKETS

POLICY = WatchPolicy(window_seconds=0, max_error_rate=0.01, max_p95_seconds=2.0, min_requests=20)


class App:
    """The web's request histogram as web/metrics.py has prometheus-flask-exporter declare it, in a registry
    of its own, so a test can give it any latency."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram("kraftd_http_request_duration_seconds", "HTTP request latency",
                                 ["method", "route", "status"], buckets=LATENCY_BUCKETS,
                                 registry=self.registry)  # fmt: skip

    def serve(
        self, n: int, route: str = "/api/v1/jobs/<job_id>", status: int = 200, seconds: float = 0.02
    ) -> None:
        for _ in range(n):
            self.latency.labels("GET", route, str(status)).observe(seconds)

    def scrape(self) -> str:
        return generate_latest(self.registry).decode()


def test_the_watch_reads_the_metrics_the_app_exports(app: Flask) -> None:
    client = app.test_client()
    before = sample(client.get("/metrics").get_data(as_text=True))
    for _ in range(3):
        client.get("/api/v1/jobs/abc")  # 401: counted
        client.get("/healthz")  # a probe: not counted
    after = sample(client.get("/metrics").get_data(as_text=True))
    assert after.requests - before.requests == 3
    assert after.errors == before.errors
    assert after.buckets[float("inf")] - before.buckets.get(float("inf"), 0.0) == 3


def test_a_healthy_window_passes_whatever_came_before() -> None:
    app = App()
    app.serve(500, status=500)  # an old incident, before the window
    before = sample(app.scrape())
    app.serve(200)
    verdict = judge(before, sample(app.scrape()), POLICY)
    assert (verdict.requests, verdict.errors, verdict.breached) == (200, 0, False)
    assert verdict.p95_seconds is not None
    assert 0.01 < verdict.p95_seconds <= 0.025


def test_more_5xx_than_the_policy_allows_breaches() -> None:
    app = App()
    before = sample(app.scrape())
    app.serve(97)
    app.serve(3, status=502)
    verdict = judge(before, sample(app.scrape()), POLICY)
    assert verdict.breached
    assert verdict.error_rate == pytest.approx(0.03)
    assert "error rate" in verdict.reason


def test_a_slow_p95_breaches() -> None:
    app = App()
    before = sample(app.scrape())
    app.serve(90)
    app.serve(10, route="/api/v1/documents", seconds=4.0)
    verdict = judge(before, sample(app.scrape()), POLICY)
    assert verdict.breached
    assert verdict.p95_seconds is not None
    assert 2.0 < verdict.p95_seconds <= 5.0


def test_probes_do_not_count() -> None:
    app = App()
    before = sample(app.scrape())
    app.serve(100)
    app.serve(100, route="/readyz", status=503, seconds=9.0)
    app.serve(100, route="/metrics", seconds=9.0)
    verdict = judge(before, sample(app.scrape()), POLICY)
    assert (verdict.requests, verdict.errors, verdict.breached) == (100, 0, False)


def test_too_few_requests_cannot_breach_and_say_so() -> None:
    app = App()
    before = sample(app.scrape())
    app.serve(5, status=500)
    verdict = judge(before, sample(app.scrape()), POLICY)
    assert not verdict.breached
    assert "too few" in verdict.reason


def test_quantile_interpolates_like_prometheus() -> None:
    buckets = {0.1: 50.0, 0.5: 90.0, 1.0: 100.0, float("inf"): 100.0}
    assert quantile(0.5, buckets) == pytest.approx(0.1)
    assert quantile(0.95, buckets) == pytest.approx(0.75)
    assert quantile(0.99, {1.0: 10.0, float("inf"): 100.0}) == 1.0  # in +Inf: the highest finite bound
    assert quantile(0.95, {1.0: 0.0, float("inf"): 0.0}) is None
