"""Bad input gets a clear JSON error, and nothing breaks: bodies, routes, methods, tokens, and a 500."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token
from werkzeug.test import TestResponse

from tests.conftest import fresh_client
from tests.helpers import PASSWORD, bearer, signed_in
from tests.servers import Mailbox
from web import create_app

pytestmark = pytest.mark.integration

ANONYMOUS_JSON_ROUTES = [
    "/api/v1/auth/register",
    "/api/v1/auth/verify-email",
    "/api/v1/auth/resend-verification",
    "/api/v1/auth/login",
    "/api/v1/auth/mfa/verify",
]


def assert_error(answer: TestResponse, status: int, code: str | None = None) -> dict[str, str]:
    """The answer is exactly `{"error": {"code", "message"}}` as JSON, with no page and no trace."""
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.mimetype == "application/json"
    text = answer.get_data(as_text=True)
    assert "Traceback" not in text
    assert "<html" not in text.lower()
    body = answer.get_json()
    assert isinstance(body, dict)
    assert list(body) == ["error"]
    error = body["error"]
    assert sorted(error) == ["code", "message"]
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", error["code"])
    assert isinstance(error["message"], str)
    assert error["message"].strip()
    if code is not None:
        assert error["code"] == code
    return dict(error)


def post_raw(
    client: FlaskClient, path: str, data: bytes | str, content_type: str = "application/json"
) -> Any:
    return client.post(path, data=data, content_type=content_type)


# --- bodies --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ANONYMOUS_JSON_ROUTES)
@pytest.mark.parametrize("data", ['{"email": ', "{'email': 'a@example.com'}", "not json", '{"a": 1}}'])
def test_malformed_json_answers_400_invalid_json(client: FlaskClient, path: str, data: str) -> None:
    assert_error(post_raw(client, path, data), 400, "invalid_json")


@pytest.mark.parametrize("path", ANONYMOUS_JSON_ROUTES)
def test_json_nested_too_deeply_answers_400_invalid_json(client: FlaskClient, path: str) -> None:
    assert_error(post_raw(client, path, "[" * 100_000), 400, "invalid_json")


@pytest.mark.parametrize("path", ANONYMOUS_JSON_ROUTES)
def test_a_body_that_is_not_utf8_answers_400_invalid_json(client: FlaskClient, path: str) -> None:
    assert_error(post_raw(client, path, b'{"email": "\xff\xfe"}'), 400, "invalid_json")


def test_json_sent_as_plain_text_answers_400_naming_the_content_type(client: FlaskClient, email: str) -> None:
    answer = post_raw(client, "/api/v1/auth/login", f'{{"email": "{email}"}}', "text/plain")
    assert "application/json" in assert_error(answer, 400, "invalid_json")["message"]


@pytest.mark.parametrize("path", ANONYMOUS_JSON_ROUTES)
@pytest.mark.parametrize("data", ["[]", '[{"email": "a@example.com"}]', '"a string"', "42", "null", "true"])
def test_a_json_body_that_is_not_an_object_answers_400_invalid_request(
    client: FlaskClient, path: str, data: str
) -> None:
    assert_error(post_raw(client, path, data), 400, "invalid_request")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/register", {"email": "a@example.com", "password": 1234567890123}),
        ("/api/v1/auth/register", {"email": ["a@example.com"], "password": PASSWORD}),
        ("/api/v1/auth/register", {"email": "a@example.com", "password": PASSWORD, "recaptcha_token": 7}),
        ("/api/v1/auth/login", {"email": "a@example.com", "password": None}),
        ("/api/v1/auth/login", {"email": {"$ne": ""}, "password": PASSWORD}),
        ("/api/v1/auth/verify-email", {"token": 12345}),
        ("/api/v1/auth/resend-verification", {"email": True}),
        ("/api/v1/auth/mfa/verify", {"mfa_token": "x", "code": 123456}),
    ],
)
def test_a_field_of_the_wrong_type_answers_400_invalid_request(
    client: FlaskClient, path: str, body: dict[str, Any]
) -> None:
    assert_error(client.post(path, json=body), 400, "invalid_request")


def test_the_invalid_request_message_names_the_field(client: FlaskClient, email: str) -> None:
    answer = client.post("/api/v1/auth/register", json={"email": email, "password": 12345678901})
    assert "password" in assert_error(answer, 400, "invalid_request")["message"]


@pytest.mark.parametrize(
    ("path", "body", "missing"),
    [
        ("/api/v1/auth/register", {"password": PASSWORD}, "email"),
        ("/api/v1/auth/register", {"email": "a@example.com"}, "password"),
        ("/api/v1/auth/login", {"email": "a@example.com"}, "password"),
        ("/api/v1/auth/verify-email", {}, "token"),
        ("/api/v1/auth/mfa/verify", {"code": "123456"}, "mfa_token"),
    ],
)
def test_a_missing_field_answers_400_invalid_request_naming_it(
    client: FlaskClient, path: str, body: dict[str, Any], missing: str
) -> None:
    assert missing in assert_error(client.post(path, json=body), 400, "invalid_request")["message"]


@pytest.mark.parametrize("path", ANONYMOUS_JSON_ROUTES)
def test_an_empty_body_answers_400_invalid_request(client: FlaskClient, path: str) -> None:
    assert_error(client.post(path), 400, "invalid_request")


def test_an_email_field_of_100_kb_answers_400(client: FlaskClient) -> None:
    answer = client.post(
        "/api/v1/auth/register", json={"email": "a" * 100_000 + "@example.com", "password": PASSWORD}
    )
    assert_error(answer, 400)


@pytest.fixture(scope="module")
def small_app(base_config: dict[str, Any]) -> Flask:
    """MAX_UPLOAD_MB=1: request bodies up to 2 MiB (1 MiB of room for the multipart envelope)."""
    return create_app({**base_config, "max_upload_mb": 1})


@pytest.mark.parametrize("path", ["/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/mfa/verify"])
def test_an_oversize_body_answers_413_json(small_app: Flask, path: str) -> None:
    body = '{"email": "' + "a" * (3 * 1024 * 1024) + '@example.com", "password": "x"}'
    assert_error(post_raw(fresh_client(small_app), path, body), 413)


# --- routes and methods --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v1/auth/nope", "/nothing-here", "/api/v2/auth/me"]
)
def test_an_unknown_route_answers_404_json(client: FlaskClient, path: str) -> None:
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/api/v1/auth/login", "POST"),
        ("PUT", "/api/v1/auth/register", "POST"),
        ("PATCH", "/api/v1/auth/me", "GET"),
        ("POST", "/healthz", "GET"),
    ],
)
def test_a_wrong_method_answers_405_json_with_allow(
    client: FlaskClient, method: str, path: str, allowed: str
) -> None:
    answer = client.open(path, method=method)
    assert_error(answer, 405, "method_not_allowed")
    assert allowed in [m.strip() for m in answer.headers["Allow"].split(",")]


# --- tokens --------------------------------------------------------------------------------------------------


def _claims(email: str, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": email, "type": "access", "fresh": False, "jti": uuid.uuid4().hex, "iat": now, "nbf": now,
            "exp": now + 900, **extra}  # fmt: skip


def _expired(app: Flask, email: str, tokens: dict[str, Any], client: FlaskClient) -> str:
    with app.app_context():
        return create_access_token(identity=email, expires_delta=timedelta(seconds=-1))


def _revoked(app: Flask, email: str, tokens: dict[str, Any], client: FlaskClient) -> str:
    assert client.post("/api/v1/auth/logout", headers=bearer(tokens)).status_code == 204
    return str(tokens["access_token"])


TOKENS: dict[str, tuple[Callable[[Flask, str, dict[str, Any], FlaskClient], str], str]] = {
    "garbage": (lambda app, email, tokens, client: "garbage", "invalid_token"),
    "another key": (
        lambda app, email, tokens, client: jwt.encode(
            _claims(email), "another-key-0123456789-abcdefghijklmnopq"
        ),
        "invalid_token",
    ),
    "alg none": (
        lambda app, email, tokens, client: jwt.encode(_claims(email), "", "none"),
        "invalid_token",
    ),
    "tampered": (
        lambda app, email, tokens, client: (
            tokens["access_token"][:-3] + ("AAA" if not tokens["access_token"].endswith("AAA") else "BBB")
        ),
        "invalid_token",
    ),
    "expired": (_expired, "token_expired"),
    "revoked": (_revoked, "token_revoked"),
    "refresh as access": (lambda app, email, tokens, client: tokens["refresh_token"], "invalid_token"),
}


@pytest.mark.parametrize("kind", TOKENS)
def test_a_bad_token_answers_401_json(
    app: Flask, client: FlaskClient, mailbox: Mailbox, email: str, kind: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    make, code = TOKENS[kind]
    token = make(app, email, tokens, client)
    assert_error(client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}), 401, code)


def test_a_missing_authorization_header_answers_401_unauthorized(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/auth/me"), 401, "unauthorized")


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc", "Bearer a b c"])
def test_a_malformed_authorization_header_answers_401(client: FlaskClient, header: str) -> None:
    assert_error(client.get("/api/v1/auth/me", headers={"Authorization": header}), 401)


def test_logout_with_a_garbage_refresh_token_answers_400_invalid_token(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    answer = client.post("/api/v1/auth/logout", headers=bearer(tokens), json={"refresh_token": "garbage"})
    assert_error(answer, 400, "invalid_token")


# --- a failure of ours ---------------------------------------------------------------------------------------


def test_an_unexpected_error_answers_500_json_without_its_details(base_config: dict[str, Any]) -> None:
    app = create_app(base_config)

    @app.get("/api/v1/explode")
    def explode() -> str:
        raise RuntimeError("secret-detail-in-the-exception /etc/passwd")

    answer = fresh_client(app).get("/api/v1/explode")
    assert_error(answer, 500, "internal_error")
    text = answer.get_data(as_text=True)
    assert "secret-detail" not in text
    assert "RuntimeError" not in text
