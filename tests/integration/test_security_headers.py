"""The edge: CORS from ALLOWED_ORIGINS only, security headers on every answer, and the proxy's headers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, jsonify, request
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import fresh_client
from tests.helpers import PASSWORD
from tests.recaptcha_server import RecaptchaServer
from web import create_app

pytestmark = pytest.mark.integration

ALLOWED = "http://127.0.0.1:8000"  # ALLOWED_ORIGINS of the test settings
STRANGER = "https://evil.example"


def preflight(client: FlaskClient, origin: str) -> TestResponse:
    return client.options(
        "/api/v1/auth/login",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization",
        },
    )


# --- CORS ----------------------------------------------------------------------------------------------------


def test_a_preflight_from_an_allowed_origin_is_answered(client: FlaskClient) -> None:
    answer = preflight(client, ALLOWED)
    assert answer.status_code in (200, 204)
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert "authorization" in answer.headers["Access-Control-Allow-Headers"].lower()


def test_a_get_from_an_allowed_origin_may_be_read_by_it(client: FlaskClient) -> None:
    answer = client.get("/api/v1/auth/me", headers={"Origin": ALLOWED})
    assert answer.status_code == 401  # the browser still gets to read the error
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_a_preflight_from_another_origin_gets_no_cors_permission(client: FlaskClient) -> None:
    answer = preflight(client, STRANGER)
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert "Access-Control-Allow-Credentials" not in answer.headers


def test_a_get_from_another_origin_gets_no_cors_permission(client: FlaskClient) -> None:
    answer = client.get("/api/v1/auth/me", headers={"Origin": STRANGER})
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_an_origin_that_only_starts_like_an_allowed_one_gets_no_cors_permission(client: FlaskClient) -> None:
    answer = client.get("/api/v1/auth/me", headers={"Origin": ALLOWED + ".evil.example"})
    assert "Access-Control-Allow-Origin" not in answer.headers


# --- security headers ----------------------------------------------------------------------------------------


ANSWERS: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "health": ("GET", "/healthz", None),
    "page": ("GET", "/", None),
    "verify page": ("GET", "/verify-email?token=x", None),
    "openapi": ("GET", "/api/v1/openapi.json", None),
    "401": ("GET", "/api/v1/auth/me", None),
    "400": ("POST", "/api/v1/auth/register", {"email": "nope", "password": PASSWORD}),
    "404": ("GET", "/api/v1/nothing-here", None),
    "405": ("DELETE", "/api/v1/auth/login", None),
}


@pytest.mark.parametrize("name", ANSWERS)
def test_every_answer_carries_the_security_headers(client: FlaskClient, name: str) -> None:
    method, path, body = ANSWERS[name]
    answer = client.open(path, method=method, json=body)
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"]
    assert answer.headers["Content-Security-Policy"]


def test_an_html_answer_carries_a_strict_content_security_policy(client: FlaskClient) -> None:
    answer = client.get("/")
    assert answer.mimetype == "text/html"
    policy = answer.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_a_json_answer_allows_no_content_at_all(client: FlaskClient) -> None:
    assert "default-src 'none'" in client.get("/healthz").headers["Content-Security-Policy"]


def test_a_500_answer_carries_the_security_headers(base_config: dict[str, Any]) -> None:
    app = create_app(base_config)

    @app.get("/api/v1/explode")
    def explode() -> str:
        raise RuntimeError("boom")

    answer = fresh_client(app).get("/api/v1/explode")
    assert answer.status_code == 500
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Security-Policy"]


def test_outside_production_there_is_no_hsts(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


@pytest.fixture(scope="module")
def production_app(base_config: dict[str, Any]) -> Flask:
    return create_app(
        {
            **base_config,
            "environment": "production",
            "recaptcha_secret_key": "production-recaptcha-secret",
            "allowed_origins": "https://docs.kraftd.io",
        }
    )


@pytest.mark.parametrize("path", ["/healthz", "/", "/api/v1/nothing-here"])
def test_in_production_every_answer_carries_hsts(production_app: Flask, path: str) -> None:
    hsts = fresh_client(production_app).get(path).headers["Strict-Transport-Security"]
    assert "max-age=" in hsts
    assert int(hsts.split("max-age=")[1].split(";")[0]) >= 180 * 24 * 3600


# --- behind the proxy ----------------------------------------------------------------------------------------


def _with_echo(app: Flask) -> Flask:
    """The app with one extra route that shows what it believes about the request."""

    @app.get("/api/v1/echo")
    def echo() -> Any:
        return jsonify(
            secure=request.is_secure,
            scheme=request.scheme,
            remote_addr=request.remote_addr,
            host=request.host,
        )

    return app


@pytest.fixture(scope="module")
def echo_app(base_config: dict[str, Any]) -> Flask:
    """The real app behind one trusted proxy (TRUSTED_PROXIES=1, as infra sets it for the ingress)."""
    return _with_echo(create_app({**base_config, "trusted_proxies": 1}))


@pytest.fixture(scope="module")
def exposed_app(base_config: dict[str, Any]) -> Flask:
    """The real app with no proxy in front (TRUSTED_PROXIES=0, the default)."""
    return _with_echo(create_app(base_config))


def test_with_no_trusted_proxy_forwarded_headers_are_ignored(exposed_app: Flask) -> None:
    answer = fresh_client(exposed_app).get(
        "/api/v1/echo",
        headers={
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "evil.test",
        },
    )
    assert answer.json["remote_addr"] != "203.0.113.9"
    assert answer.json["secure"] is False
    assert answer.json["host"] != "evil.test"


def test_x_forwarded_proto_https_is_recognised(echo_app: Flask) -> None:
    answer = fresh_client(echo_app).get("/api/v1/echo", headers={"X-Forwarded-Proto": "https"})
    assert answer.json["secure"] is True
    assert answer.json["scheme"] == "https"


def test_without_x_forwarded_proto_the_request_is_plain_http(echo_app: Flask) -> None:
    assert fresh_client(echo_app).get("/api/v1/echo").json["secure"] is False


def test_x_forwarded_host_is_recognised(echo_app: Flask) -> None:
    answer = fresh_client(echo_app).get("/api/v1/echo", headers={"X-Forwarded-Host": "docs.kraftd.io"})
    assert answer.json["host"] == "docs.kraftd.io"


def test_only_the_address_our_proxy_appended_is_trusted(echo_app: Flask) -> None:
    spoofed = "203.0.113.9, 198.51.100.7"  # the client wrote the first; the proxy appended the second
    answer = fresh_client(echo_app).get("/api/v1/echo", headers={"X-Forwarded-For": spoofed})
    assert answer.json["remote_addr"] == "198.51.100.7"


@pytest.fixture(scope="module")
def recaptcha() -> Iterator[RecaptchaServer]:
    server = RecaptchaServer().start()
    try:
        yield server
    finally:
        server.stop()


def test_the_forwarded_client_address_reaches_the_recaptcha_check(
    base_config: dict[str, Any], recaptcha: RecaptchaServer, email: str
) -> None:
    app = create_app(
        {
            **base_config,
            "recaptcha_secret_key": "s",
            "recaptcha_verify_url": recaptcha.url,
            "trusted_proxies": 1,
        }
    )
    token = f"human:{email}"
    answer = fresh_client(app).post(
        "/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "recaptcha_token": token},
        headers={"X-Forwarded-For": "198.51.100.23"},
    )
    assert answer.status_code == 201
    (seen,) = recaptcha.requests_for(token)
    assert seen["remoteip"] == "198.51.100.23"
