"""The OpenAPI document describes exactly the routes the app serves, with what each takes and answers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

Operation = tuple[str, str]


@pytest.fixture(scope="module")
def spec(app: Flask) -> dict[str, Any]:
    answer = app.test_client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json
    return document


def _served(app: Flask) -> set[Operation]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                routes.add((method.lower(), path))
    return routes


def _operations(spec: dict[str, Any]) -> dict[Operation, dict[str, Any]]:
    return {(method, path): op for path, ops in spec["paths"].items() for method, op in ops.items()}


def _schema(spec: dict[str, Any], ref: str) -> dict[str, Any]:
    found: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return found


def test_every_served_route_is_described_and_nothing_else(app: Flask, spec: dict[str, Any]) -> None:
    assert _served(app) == set(_operations(spec))


def test_every_route_declares_its_successful_answers(spec: dict[str, Any]) -> None:
    """A route without `web.api.declare` is still listed by spectree, but with no answers."""
    undeclared = [
        op for op, body in _operations(spec).items() if not any(s[0] in "23" for s in body["responses"])
    ]
    assert undeclared == []


def test_every_error_answer_is_our_error_body(spec: dict[str, Any]) -> None:
    for op, body in _operations(spec).items():
        for status, answer in body["responses"].items():
            if status.startswith(("4", "5")) and (op, status) != (("get", "/readyz"), "503"):
                assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody"), op
    readiness = _operations(spec)[("get", "/readyz")]["responses"]["503"]
    assert readiness["content"]["application/json"]["schema"]["$ref"].endswith("/Readiness")
    error = spec["components"]["schemas"]["ErrorBody"]
    assert _schema(spec, error["properties"]["error"]["$ref"])["required"] == ["code", "message"]


def test_json_answers_have_schemas_and_other_answers_their_media_type(spec: dict[str, Any]) -> None:
    ops = _operations(spec)
    job = ops[("get", "/api/v1/jobs/{job_id}")]["responses"]
    assert job["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/JobPublic")
    assert "content" not in job["304"]
    assert "application/zip" in ops[("get", "/api/v1/jobs/{job_id}/download")]["responses"]["200"]["content"]
    calendar = ops[("get", "/api/v1/documents/{doc_id}/deadlines.ics")]["responses"]["200"]["content"]
    assert "text/calendar" in calendar
    assert "text/html" in ops[("get", "/")]["responses"]["200"]["content"]


def test_the_document_answer_leaves_optional_fields_out_and_says_so(spec: dict[str, Any]) -> None:
    job = spec["components"]["schemas"]["JobPublic"]
    assert {"error", "download_url"}.isdisjoint(job["required"])
    assert {"id", "status", "progress", "steps", "created_at"} <= set(job["required"])
    document = spec["components"]["schemas"]["DocumentPublic"]
    assert {"page_count", "latest_job_id"} <= set(document["required"]), "always there, null when unknown"


def test_routes_that_need_a_token_say_so(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    ops = _operations(spec)
    assert ops[("get", "/api/v1/documents")]["security"] == [{"bearer": []}]
    assert "401" in ops[("get", "/api/v1/documents")]["responses"]
    assert ops[("post", "/api/v1/auth/login")]["security"] == []


def test_request_bodies_and_queries_are_described_as_strictly_as_the_code_reads_them(
    spec: dict[str, Any],
) -> None:
    ops = _operations(spec)
    login = ops[("post", "/api/v1/auth/login")]["requestBody"]
    assert set(_schema(spec, login["content"]["application/json"]["schema"]["$ref"])["required"]) == {
        "email",
        "password",
    }
    limit = {p["name"]: p for p in ops[("get", "/api/v1/documents")]["parameters"]}["limit"]["schema"]
    assert (limit["type"], limit["minimum"], limit["maximum"], limit["default"]) == ("integer", 1, 100, 20)
    filters = {p["name"]: p["schema"] for p in ops[("get", "/api/v1/jobs")]["parameters"]}
    assert set(_schema(spec, filters["status"]["$ref"])["enum"]) == {
        "queued",
        "running",
        "succeeded",
        "failed",
        "canceled",
    }
    assert set(_schema(spec, filters["kind"]["$ref"])["enum"]) == {"analysis", "export"}
    upload = ops[("post", "/api/v1/documents")]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert _schema(spec, upload["$ref"])["required"] == ["file"]


def test_a_body_with_nothing_required_may_be_left_out(spec: dict[str, Any]) -> None:
    ops = _operations(spec)
    assert ops[("post", "/api/v1/documents/{doc_id}/exports")]["requestBody"]["required"] is False
    assert ops[("post", "/api/v1/auth/logout")]["requestBody"]["required"] is False
    assert ops[("post", "/api/v1/auth/login")]["requestBody"]["required"] is True
