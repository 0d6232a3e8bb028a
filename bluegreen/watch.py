"""The watch after a switch: error rate and p95 latency of the new release, from two scrapes of its
`/metrics` a window apart, judged against a policy.

Counters and histogram buckets only grow, so the difference between the scrapes is the traffic of the
window alone, whatever came before. Probes (`/healthz`, `/readyz`, `/metrics`) are left out: they are not
what users feel, and the watch's own scrapes would count.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

# The web's request histogram (web/metrics.py, `count_request`): by route, method and status. Its
# `_count` counts requests, its buckets give the latency.
LATENCY_METRIC = "kraftd_http_request_duration_seconds"
ROUTE_LABEL = "route"
STATUS_LABEL = "status"
PROBES = frozenset({"/healthz", "/readyz", "/metrics"})


@dataclass(frozen=True)
class WatchPolicy:
    """When a release is rolled back: more than `max_error_rate` of its requests answered 5xx, or their
    p95 took longer than `max_p95_seconds`, over `window_seconds`. Fewer than `min_requests` in the window
    cannot breach (too few to judge), and the verdict says so."""

    window_seconds: float = 300.0
    max_error_rate: float = 0.01
    max_p95_seconds: float = 2.0
    min_requests: int = 20


@dataclass(frozen=True)
class Sample:
    """One scrape: requests and 5xx answers so far, and the latency histogram's cumulative buckets."""

    requests: float
    errors: float
    buckets: dict[float, float]  # upper bound (le) → requests at or under it, summed over routes


@dataclass(frozen=True)
class Verdict:
    requests: int
    errors: int
    error_rate: float
    p95_seconds: float | None
    breached: bool
    reason: str


def sample(metrics_text: str) -> Sample:
    requests = errors = 0.0
    buckets: dict[float, float] = defaultdict(float)
    for family in text_string_to_metric_families(metrics_text):
        for s in family.samples:
            if s.labels.get(ROUTE_LABEL) in PROBES:
                continue
            if family.name != LATENCY_METRIC:
                continue
            if s.name.endswith("_count"):
                requests += s.value
                if s.labels.get(STATUS_LABEL, "").startswith("5"):
                    errors += s.value
            elif s.name.endswith("_bucket"):
                buckets[float(s.labels["le"])] += s.value
    return Sample(requests, errors, dict(buckets))


def quantile(q: float, buckets: dict[float, float]) -> float | None:
    """Prometheus' `histogram_quantile` over cumulative buckets: linear within the bucket that holds the
    q-th observation; the highest finite bound when it lies in +Inf; None without observations."""
    bounds = sorted(buckets)
    total = buckets[bounds[-1]] if bounds else 0.0
    if total <= 0:
        return None
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                return lower_bound
            if count == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = bound, count
    return lower_bound


def judge(before: Sample, after: Sample, policy: WatchPolicy) -> Verdict:
    requests = max(0, round(after.requests - before.requests))
    errors = max(0, round(after.errors - before.errors))
    window = {le: after.buckets.get(le, 0.0) - before.buckets.get(le, 0.0) for le in after.buckets}
    p95 = quantile(0.95, window)
    rate = errors / requests if requests else 0.0
    if requests < policy.min_requests:
        return Verdict(requests, errors, rate, p95, False, f"only {requests} requests: too few to judge")
    if rate > policy.max_error_rate:
        return Verdict(
            requests, errors, rate, p95, True, f"error rate {rate:.2%} > {policy.max_error_rate:.2%}"
        )
    if p95 is not None and p95 > policy.max_p95_seconds:
        return Verdict(requests, errors, rate, p95, True, f"p95 {p95:.3f}s > {policy.max_p95_seconds}s")
    p95_text = f"{p95:.3f}s" if p95 is not None else "n/a"
    return Verdict(requests, errors, rate, p95, False, f"error rate {rate:.2%}, p95 {p95_text}: healthy")
