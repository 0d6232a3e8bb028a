"""GET /metrics: Prometheus text whose labels no client can grow, and nothing at all when METRICS_ENABLED is off."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import fresh_client
from web import create_app
from web.metrics import HTTP_METHODS

pytestmark = pytest.mark.integration


def _label_values(body: str, label: str) -> set[str]:
    return {
        sample.labels[label]
        for family in text_string_to_metric_families(body)
        if family.name.startswith("kraftd_http")
        for sample in family.samples
        if label in sample.labels
    }


@pytest.fixture(scope="module")
def metrics_app(base_config: dict[str, Any]) -> Flask:
    return create_app(base_config)


def test_requests_are_counted_by_route_rule_method_and_status(metrics_app: Flask) -> None:
    client = fresh_client(metrics_app)
    assert client.get("/api/v1/jobs/some-job-id").status_code == 401

    body = client.get("/metrics").get_data(as_text=True)

    assert "/api/v1/jobs/<job_id>" in _label_values(body, "route")
    assert "some-job-id" not in body
    assert 'kraftd_http_request_total{method="GET",status="401"}' in body


def test_unknown_paths_and_methods_never_grow_the_labels(metrics_app: Flask) -> None:
    client = fresh_client(metrics_app)
    for n in range(5):
        assert client.get(f"/probe-{n}/.env").status_code == 404
        answer = client.open("/api/v1/auth/login", method=f"BREW{n}")
        assert answer.status_code == 405
        assert answer.json is not None
        assert answer.json["error"]["code"] == "method_not_allowed"

    body = client.get("/metrics").get_data(as_text=True)

    assert "probe-" not in body
    assert "BREW" not in body
    assert "unmatched" in _label_values(body, "route")
    assert _label_values(body, "method") <= HTTP_METHODS | {"OTHER"}
    assert "OTHER" in _label_values(body, "method")


def test_metrics_are_prometheus_text_with_one_charset(metrics_app: Flask) -> None:
    answer = fresh_client(metrics_app).get("/metrics")
    assert answer.status_code == 200
    content_type = answer.headers["Content-Type"]
    assert content_type.startswith("text/plain; version=")
    assert content_type.lower().count("charset") == 1
    assert "kraftd_login_failures_total" in answer.get_data(as_text=True)  # the process-wide metrics too


def test_metrics_off_means_no_route(base_config: dict[str, Any]) -> None:
    app = create_app({**base_config, "metrics_enabled": False})
    client = fresh_client(app)
    client.get("/api/v1/documents")

    answer = client.get("/metrics")

    assert answer.status_code == 404
    assert answer.json is not None
    assert answer.json["error"]["code"] == "not_found"
