"""The browser's refresh cookie: set at sign-in, accepted by refresh and logout beside the bearer form, and only
on requests from our own origin (CSRF). Also the small additions the browser app needs: qr_svg and /config."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import fresh_client
from tests.helpers import PASSWORD, bearer, register, signed_in, verification_token
from tests.integration.test_auth_mfa import challenge, code_at, mfa_account, verify
from tests.servers import Mailbox
from web import create_app

pytestmark = pytest.mark.integration

COOKIE = "kraftd_refresh"
OWN_ORIGIN = {"Origin": "http://localhost"}  # the test client's own host
ALLOWED_ORIGIN = {"Origin": "http://127.0.0.1:8000"}  # in ALLOWED_ORIGINS of the test settings
FOREIGN_ORIGIN = {"Origin": "https://evil.example"}


def refresh_cookie(response: TestResponse) -> dict[str, str]:
    """The attributes of the refresh cookie the answer sets, lower-cased names; {} when it sets none."""
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name == COOKIE:
            value, *attributes = rest.split(";")
            found = {"value": value}
            for attribute in attributes:
                key, _, val = attribute.strip().partition("=")
                found[key.lower()] = val or "true"
            return found
    return {}


def cookie_value(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(COOKIE, path="/api/v1/auth")
    return cookie.value if cookie else None


def refresh(client: FlaskClient, headers: dict[str, str] | None = None) -> TestResponse:
    return client.post("/api/v1/auth/refresh", headers=headers or {})


def test_login_sets_an_httponly_secure_strict_cookie_for_the_auth_routes(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    register(client, email)
    client.post("/api/v1/auth/verify-email", json={"token": verification_token(mailbox, email)})
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200
    cookie = refresh_cookie(answer)
    assert cookie["value"] == answer.json["refresh_token"], "the JSON form stays as CONTRACT.md says"
    assert cookie["path"] == "/api/v1/auth"
    assert cookie["httponly"] == "true"
    assert cookie["secure"] == "true"
    assert cookie["samesite"] == "Strict"
    assert cookie["max-age"] == str(7 * 24 * 3600)


def test_refresh_with_the_cookie_from_our_own_origin_gives_an_access_token(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    signed_in(client, mailbox, email)
    answer = refresh(client, OWN_ORIGIN)
    assert answer.status_code == 200, answer.json
    assert answer.json["expires_in"] == 15 * 60
    me = client.get("/api/v1/auth/me", headers=bearer(answer.json))
    assert me.status_code == 200
    assert me.json["email"] == email


def test_refresh_with_the_cookie_from_an_allowed_origin_works(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    signed_in(client, mailbox, email)
    assert refresh(client, ALLOWED_ORIGIN).status_code == 200


@pytest.mark.parametrize("headers", [FOREIGN_ORIGIN, {}, {"Origin": "null"}], ids=["foreign", "none", "null"])
def test_refresh_with_the_cookie_from_elsewhere_is_refused(
    client: FlaskClient, mailbox: Mailbox, email: str, headers: dict[str, str]
) -> None:
    signed_in(client, mailbox, email)
    answer = refresh(client, headers)
    assert answer.status_code == 403
    assert answer.json["error"]["code"] == "origin_not_allowed"


def test_the_bearer_form_of_refresh_still_works_beside_a_cookie(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    assert cookie_value(client) is not None
    answer = refresh(client, bearer(tokens, "refresh_token"))  # no Origin: a script or a server, not a page
    assert answer.status_code == 200


def test_refresh_without_cookie_or_bearer_is_unauthorized(app: Flask) -> None:
    answer = refresh(fresh_client(app), OWN_ORIGIN)
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "unauthorized"


def test_an_access_token_in_the_cookie_is_refused_and_the_cookie_cleared(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    client.set_cookie(COOKIE, tokens["access_token"], path="/api/v1/auth")
    answer = refresh(client, OWN_ORIGIN)
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_token"
    assert refresh_cookie(answer)["max-age"] == "0"


def test_a_garbage_cookie_is_refused(client: FlaskClient) -> None:
    client.set_cookie(COOKIE, "not-a-jwt", path="/api/v1/auth")
    answer = refresh(client, OWN_ORIGIN)
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_token"


def test_logout_from_the_app_revokes_the_cookie_and_clears_it(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    in_cookie = cookie_value(client)
    assert in_cookie
    out = client.post("/api/v1/auth/logout", headers={**bearer(tokens), **OWN_ORIGIN}, json={})
    assert out.status_code == 204
    assert refresh_cookie(out)["max-age"] == "0"
    assert cookie_value(client) is None
    revoked = refresh(client, {"Authorization": f"Bearer {in_cookie}"})
    assert revoked.status_code == 401
    assert revoked.json["error"]["code"] == "token_revoked"
    me = client.get("/api/v1/auth/me", headers=bearer(tokens))
    assert me.json["error"]["code"] == "token_revoked"


def test_a_revoked_cookie_cannot_refresh(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    tokens = signed_in(client, mailbox, email)
    in_cookie = cookie_value(client)
    assert in_cookie
    client.post("/api/v1/auth/logout", headers=bearer(tokens), json={"refresh_token": in_cookie})
    answer = refresh(client, OWN_ORIGIN)
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "token_revoked"
    assert refresh_cookie(answer)["max-age"] == "0"


def test_logout_with_the_cookie_from_a_foreign_origin_is_refused(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    out = client.post("/api/v1/auth/logout", headers={**bearer(tokens), **FOREIGN_ORIGIN}, json={})
    assert out.status_code == 403
    assert out.json["error"]["code"] == "origin_not_allowed"
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 200
    assert refresh(client, OWN_ORIGIN).status_code == 200


def test_mfa_verify_sets_the_cookie_too(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    account = mfa_account(client, mailbox, email)
    client.delete_cookie(COOKIE, path="/api/v1/auth")
    answer = verify(client, challenge(client, email), code_at(account.secret, 1))
    assert answer.status_code == 200
    assert refresh_cookie(answer)["value"] == answer.json["refresh_token"]
    assert refresh(client, OWN_ORIGIN).status_code == 200


def test_the_mfa_challenge_itself_sets_no_cookie(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    mfa_account(client, mailbox, email)
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.json["mfa_required"] is True
    assert refresh_cookie(answer) == {}


def test_mfa_setup_answers_the_otpauth_uri_as_an_svg_qr_code(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    setup = client.post("/api/v1/auth/mfa/setup", headers=bearer(tokens))
    assert setup.status_code == 200
    qr: str = setup.json["qr_svg"]
    prefix = "data:image/svg+xml;charset=utf-8,"
    assert qr.startswith(prefix)
    svg = urllib.parse.unquote(qr[len(prefix) :])
    assert svg.startswith("<svg") or svg.startswith("<?xml")
    assert "<path" in svg
    assert setup.json["otpauth_uri"].startswith("otpauth://totp/")


def test_config_answers_no_site_key_when_recaptcha_is_off(client: FlaskClient) -> None:
    answer = client.get("/api/v1/config")
    assert answer.status_code == 200
    assert answer.json == {"recaptcha_site_key": None, "max_upload_mb": 25}


def test_config_answers_the_site_key_when_recaptcha_is_on(base_config: dict[str, Any]) -> None:
    app = create_app({**base_config, "recaptcha_site_key": "site-key-123", "recaptcha_secret_key": "s"})
    answer = fresh_client(app).get("/api/v1/config")
    assert answer.json["recaptcha_site_key"] == "site-key-123"
