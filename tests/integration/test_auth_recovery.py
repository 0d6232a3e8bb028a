"""Accounts people can recover: a forgotten password by e-mail, a password change, and ending every session;
security changes (password, MFA on or off) end the other sessions."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from flask.testing import FlaskClient

from tests.helpers import PASSWORD, bearer, signed_in
from tests.servers import Mailbox

pytestmark = pytest.mark.integration

NEW_PASSWORD = "Quiet-Lantern-Harbor-77"
_RESET_LINK = re.compile(r"http://127\.0\.0\.1:8000/reset-password\?token=([\w.\-]+)")


def reset_token(mailbox: Mailbox, email: str, count: int = 1, timeout: float = 15.0) -> str:
    """The token of the `count`-th reset e-mail sent to `email`, once it has arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        links = [
            found.group(1)
            for message in mailbox.for_address(email)
            if (found := _RESET_LINK.search(Mailbox.text(message)))
        ]
        if len(links) >= count:
            return links[count - 1]
        time.sleep(0.05)
    raise AssertionError(f"no reset e-mail reached {email}")


def revoked(client: FlaskClient, tokens: dict[str, Any]) -> bool:
    me = client.get("/api/v1/auth/me", headers=bearer(tokens))
    again = client.post("/api/v1/auth/refresh", headers=bearer(tokens, "refresh_token"))
    return (me.status_code, me.json["error"]["code"], again.status_code) == (401, "token_revoked", 401)


def login(client: FlaskClient, email: str, password: str) -> Any:
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_a_forgotten_password_is_reset_from_the_email_and_every_session_ends(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    first = signed_in(client, mailbox, email)
    second = login(client, email, PASSWORD).json

    asked = client.post("/api/v1/auth/forgot-password", json={"email": email.upper()})
    assert asked.status_code == 202
    token = reset_token(mailbox, email)
    reset = client.post("/api/v1/auth/reset-password", json={"token": token, "password": NEW_PASSWORD})

    assert reset.status_code == 200, reset.json
    assert reset.json["user"]["email"] == email
    assert revoked(client, first)
    assert revoked(client, second)
    assert login(client, email, PASSWORD).status_code == 401
    assert login(client, email, NEW_PASSWORD).status_code == 200


def test_a_reset_link_works_once(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    signed_in(client, mailbox, email)
    client.post("/api/v1/auth/forgot-password", json={"email": email})
    token = reset_token(mailbox, email)
    assert (
        client.post(
            "/api/v1/auth/reset-password", json={"token": token, "password": NEW_PASSWORD}
        ).status_code
        == 200
    )
    again = client.post(
        "/api/v1/auth/reset-password", json={"token": token, "password": "Another-Fine-Day-2026"}
    )
    assert (again.status_code, again.json["error"]["code"]) == (400, "invalid_token")


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c"])
def test_a_bad_reset_token_is_refused(client: FlaskClient, token: str) -> None:
    answer = client.post("/api/v1/auth/reset-password", json={"token": token, "password": NEW_PASSWORD})
    assert (answer.status_code, answer.json["error"]["code"]) == (400, "invalid_token")


def test_a_reset_to_a_weak_password_is_refused_and_the_link_still_works(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    signed_in(client, mailbox, email)
    client.post("/api/v1/auth/forgot-password", json={"email": email})
    token = reset_token(mailbox, email)
    weak = client.post("/api/v1/auth/reset-password", json={"token": token, "password": "password123"})
    assert (weak.status_code, weak.json["error"]["code"]) == (400, "weak_password")
    assert (
        client.post(
            "/api/v1/auth/reset-password", json={"token": token, "password": NEW_PASSWORD}
        ).status_code
        == 200
    )


def test_forgot_password_answers_the_same_for_an_unknown_address(
    client: FlaskClient, mailbox: Mailbox
) -> None:
    for address in ("nobody-here@example.com", "not an address"):
        answer = client.post("/api/v1/auth/forgot-password", json={"email": address})
        assert answer.status_code == 202
        assert answer.json == {"status": "accepted"}
    assert mailbox.for_address("nobody-here@example.com") == []


def test_reset_emails_to_one_address_are_capped_per_hour(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    signed_in(client, mailbox, email)
    for _ in range(6):
        assert client.post("/api/v1/auth/forgot-password", json={"email": email}).status_code == 202
    reset_token(mailbox, email, count=3)
    time.sleep(
        0.5
    )  # not an assertion's clock: give a fourth e-mail, if one were wrongly sent, time to arrive
    assert len([m for m in mailbox.for_address(email) if "reset-password" in Mailbox.text(m)]) == 3


def test_changing_the_password_answers_a_new_session_and_ends_the_others(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    old = signed_in(client, mailbox, email)
    other = login(client, email, PASSWORD).json
    changed = client.post(
        "/api/v1/auth/password",
        headers=bearer(old),
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["token_type"] == "Bearer"
    assert revoked(client, old)
    assert revoked(client, other)
    assert client.get("/api/v1/auth/me", headers=bearer(changed.json)).status_code == 200
    assert (
        client.post("/api/v1/auth/refresh", headers=bearer(changed.json, "refresh_token")).status_code == 200
    )
    assert login(client, email, NEW_PASSWORD).status_code == 200


def test_changing_the_password_needs_the_current_one_and_a_strong_new_one(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    wrong = client.post(
        "/api/v1/auth/password",
        headers=bearer(tokens),
        json={"current_password": "nope", "new_password": NEW_PASSWORD},
    )
    assert (wrong.status_code, wrong.json["error"]["code"]) == (401, "invalid_credentials")
    weak = client.post(
        "/api/v1/auth/password",
        headers=bearer(tokens),
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert (weak.status_code, weak.json["error"]["code"]) == (400, "weak_password")
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 200


def test_logout_all_ends_every_session_this_one_included(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    first = signed_in(client, mailbox, email)
    second = login(client, email, PASSWORD).json
    assert client.post("/api/v1/auth/logout-all", headers=bearer(first)).status_code == 204
    assert revoked(client, first)
    assert revoked(client, second)
    assert login(client, email, PASSWORD).status_code == 200


def test_turning_mfa_on_and_off_ends_the_other_sessions(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    other = login(client, email, PASSWORD).json
    secret = client.post("/api/v1/auth/mfa/setup", headers=bearer(tokens)).json["secret"]
    enabled = client.post(
        "/api/v1/auth/mfa/enable", headers=bearer(tokens), json={"code": pyotp.TOTP(secret).now()}
    )
    assert enabled.status_code == 200
    assert len(enabled.json["recovery_codes"]) == 10
    assert revoked(client, tokens)
    assert revoked(client, other)
    assert client.get("/api/v1/auth/me", headers=bearer(enabled.json)).json["mfa_enabled"] is True

    disabled = client.post(
        "/api/v1/auth/mfa/disable",
        headers=bearer(enabled.json),
        json={"password": PASSWORD, "code": enabled.json["recovery_codes"][0]},
    )
    assert disabled.status_code == 200, disabled.json
    assert revoked(client, enabled.json)
    assert client.get("/api/v1/auth/me", headers=bearer(disabled.json)).json["mfa_enabled"] is False
