"""ops/alerts.yml: valid rules that fire when they should (promtool), on metrics the app really exports."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.parser import text_string_to_metric_families

from common import telemetry
from tests.conftest import fresh_client

OPS = Path(__file__).resolve().parents[2] / "ops"
RULES = OPS / "alerts.yml"
RULE_TESTS = OPS / "alerts_test.yml"

# Metrics the platform exports, not the app: each rule using one says so in its comment.
PLATFORM_METRICS = {
    "up": set(),  # Prometheus' own
    "node_filesystem_avail_bytes": {"mountpoint", "job", "instance"},  # node_exporter
    "node_filesystem_size_bytes": {"mountpoint", "job", "instance"},
    "redis_memory_used_bytes": {"job", "instance"},  # redis_exporter
    "redis_memory_max_bytes": {"job", "instance"},
}
# Labels Prometheus adds to every scraped series.
TARGET_LABELS = {"job", "instance"}
# The six alerts of the ops issue, and the queue alerts added with them.
REQUIRED_ALERTS = {
    "KraftdHighErrorRate",
    "KraftdHighLatencyP95",
    "KraftdCosmosThrottled",
    "KraftdAuthFailures",
    "KraftdStorageAlmostFull",
    "KraftdAvailabilityLow",
    "KraftdQueueNotDraining",
    "KraftdQueueStalled",
}

_PROMQL_WORDS = set("by without on ignoring group_left group_right and or unless offset bool inf nan".split())
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_SELECTOR = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?")
_MATCHER_LABEL = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)")


def _rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def metric_selectors(expr: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names matched on it) for every series selector of a PromQL expression."""
    grouping_labels: set[str] = set()
    for _, labels in _GROUPING.findall(expr):
        grouping_labels |= {label.strip() for label in labels.split(",") if label.strip()}
    stripped = _GROUPING.sub(" ", expr)
    stripped = re.sub(r"\[[^\]]*\]", " ", stripped)  # range and subquery windows
    found: list[tuple[str, set[str]]] = []
    for match in _SELECTOR.finditer(stripped):
        name, matchers = match.group(1), match.group(2) or ""
        following = stripped[match.end() :].lstrip()
        if name.lower() in _PROMQL_WORDS or (following.startswith("(") and not matchers):
            continue  # a keyword or a function call
        if re.fullmatch(r"[0-9.e+-]+", name):
            continue
        labels = set(_MATCHER_LABEL.findall(re.sub(r'"[^"]*"', '""', matchers)))
        found.append((name, {label for label, _ in labels} | grouping_labels))
    return found


def test_expression_parser_finds_selectors() -> None:
    found = metric_selectors(
        'sum by (queue) (rate(kraftd_queue_wait_seconds_bucket{le!="", queue="x"}[5m])) > 0 and up == 1'
    )
    assert found == [("kraftd_queue_wait_seconds_bucket", {"le", "queue"}), ("up", {"queue"})]


def test_the_issue_alerts_are_all_there() -> None:
    names = {rule["alert"] for rule in _rules()}
    assert names >= REQUIRED_ALERTS
    for rule in _rules():
        assert rule["labels"]["severity"] in {"page", "warn"}
        assert {"summary", "description", "runbook"} <= set(rule["annotations"])
        assert (OPS / "README.md").read_text().count(rule["alert"]) >= 1, (
            f"{rule['alert']} has no runbook entry"
        )


def _exported(app: Flask) -> dict[str, set[str]]:
    """Sample names /metrics exports after some traffic, each with the label names it carries."""
    client = fresh_client(app)
    client.get("/healthz")
    client.get("/api/v1/documents")  # 401
    client.get("/api/v1/no-such-route")  # 404
    client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": "Wrong-password-12"})
    body = client.get("/metrics").get_data(as_text=True)
    exported: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(body):
        # A labelled metric nobody has touched yet exports its HELP and TYPE only: take its names from them.
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}.get(family.type, [""])
        for suffix in suffixes:
            exported.setdefault(family.name + suffix, set())
        for sample in family.samples:
            exported.setdefault(sample.name, set()).update(sample.labels)
    # Label names of metrics without samples yet (worker-side ones, in this process), from their definitions.
    for value in vars(telemetry).values():
        if isinstance(value, MetricWrapperBase):
            name = value._name
            labels = set(value._labelnames)
            for sample_name in (name, f"{name}_total", f"{name}_bucket", f"{name}_count", f"{name}_sum"):
                if sample_name in exported:
                    exported[sample_name] |= labels | ({"le"} if sample_name.endswith("_bucket") else set())
    return exported


def test_rules_use_only_metrics_and_labels_that_exist(app: Flask) -> None:
    exported = _exported(app)
    assert "kraftd_login_failures_total" in exported
    assert {"method", "status"} <= exported["kraftd_http_request_total"]
    assert {"route", "method", "status", "le"} <= exported["kraftd_http_request_duration_seconds_bucket"]
    problems = []
    for rule in _rules():
        for name, labels in metric_selectors(rule["expr"]):
            if name.startswith("kraftd_"):
                if name not in exported:
                    problems.append(f"{rule['alert']}: {name} is not exported by /metrics")
                elif unknown := labels - exported[name] - TARGET_LABELS:
                    problems.append(f"{rule['alert']}: {name} has no label {sorted(unknown)}")
            elif name not in PLATFORM_METRICS:
                problems.append(f"{rule['alert']}: {name} is neither ours nor a known platform metric")
    assert not problems, "\n".join(problems)


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.skip("promtool is not installed (apt-get install prometheus)")
    return found


def test_promtool_accepts_the_rules() -> None:
    done = subprocess.run([_promtool(), "check", "rules", str(RULES)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_fires_on_its_series_and_none_on_a_healthy_service() -> None:
    done = subprocess.run(
        [_promtool(), "test", "rules", RULE_TESTS.name], cwd=OPS, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    tested = set(re.findall(r"alertname:\s*(\w+)", RULE_TESTS.read_text()))
    assert tested == {rule["alert"] for rule in _rules()}, "every alert has a promtool test"
