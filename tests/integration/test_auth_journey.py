"""The account journey end to end, against the real Redis and the real SMTP sink."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import Mailbox
from tests.helpers import PASSWORD, bearer, register, signed_in, verification_token

pytestmark = pytest.mark.integration


def test_register_sends_a_verification_link_that_works_once(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    answer = register(client, email)
    assert answer.status_code == 201
    assert answer.json["user"] == {**answer.json["user"], "email": email, "email_verified": False}
    token = verification_token(mailbox, email)

    first = client.post("/api/v1/auth/verify-email", json={"token": token})
    assert first.status_code == 200
    assert first.json["user"]["email_verified"] is True
    again = client.post("/api/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 400
    assert again.json["error"]["code"] == "invalid_token"


def test_login_before_verification_is_refused(client: FlaskClient, email: str) -> None:
    register(client, email)
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 403
    assert answer.json["error"]["code"] == "email_not_verified"


def test_login_gives_bearer_tokens_that_open_me(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    tokens = signed_in(client, mailbox, email)
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 15 * 60
    me = client.get("/api/v1/auth/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json["email"] == email
    assert me.json["email_verified"] is True
    assert me.json["mfa_enabled"] is False


def test_logout_revokes_access_and_refresh_tokens(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    tokens = signed_in(client, mailbox, email)
    out = client.post("/api/v1/auth/logout", headers=bearer(tokens), json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    me = client.get("/api/v1/auth/me", headers=bearer(tokens))
    assert me.status_code == 401
    assert me.json["error"]["code"] == "token_revoked"
    refreshed = client.post("/api/v1/auth/refresh", headers=bearer(tokens, "refresh_token"))
    assert refreshed.status_code == 401
    assert refreshed.json["error"]["code"] == "token_revoked"
