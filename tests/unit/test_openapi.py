"""The OpenAPI document describes exactly the routes the app serves."""

from __future__ import annotations

import re

from flask import Flask


def _served(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                routes.add((method.lower(), path))
    return routes


def _described(app: Flask) -> set[tuple[str, str]]:
    spec = app.test_client().get("/api/v1/openapi.json").json
    return {(method, path) for path, ops in spec["paths"].items() for method in ops}


def test_every_served_route_is_described_and_nothing_else(app: Flask) -> None:
    assert _served(app) == _described(app)


def test_the_document_is_openapi_3_with_bearer_auth(app: Flask) -> None:
    spec = app.test_client().get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    login = spec["paths"]["/api/v1/auth/login"]["post"]
    assert set(login["requestBody"]["content"]["application/json"]["schema"]["required"]) == {
        "email",
        "password",
    }
