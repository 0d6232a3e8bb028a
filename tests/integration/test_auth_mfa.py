"""TOTP multi-factor sign-in: setup, enable, login challenge, codes that work once, recovery codes, disable."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from tests.conftest import TEST_JWT_SECRET
from tests.helpers import PASSWORD, bearer, signed_in
from tests.servers import Mailbox
from web.tokens import make_token

pytestmark = pytest.mark.integration

STEP = 30  # seconds per TOTP code


def code_at(secret: str, steps_from_now: int = 0) -> str:
    """The authenticator app's code, `steps_from_now` 30-second steps away from the current one."""
    return pyotp.TOTP(secret).at(time.time() + steps_from_now * STEP)


@dataclass
class MfaAccount:
    email: str
    tokens: dict[str, Any]
    secret: str
    recovery_codes: list[str]
    enabling_code: str


def mfa_account(client: FlaskClient, mailbox: Mailbox, email: str) -> MfaAccount:
    """A verified account with MFA on; the current TOTP step has been used (to enable it)."""
    tokens = signed_in(client, mailbox, email)
    setup = client.post("/api/v1/auth/mfa/setup", headers=bearer(tokens))
    assert setup.status_code == 200
    secret = setup.json["secret"]
    code = code_at(secret)
    enable = client.post("/api/v1/auth/mfa/enable", headers=bearer(tokens), json={"code": code})
    assert enable.status_code == 200, enable.json
    # Turning MFA on ends every other session: the answer carries this one's new tokens.
    return MfaAccount(email, enable.json, secret, enable.json["recovery_codes"], code)


def challenge(client: FlaskClient, email: str) -> str:
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200
    assert answer.json["mfa_required"] is True
    token: str = answer.json["mfa_token"]
    return token


def verify(client: FlaskClient, mfa_token: str, code: str) -> Any:
    return client.post("/api/v1/auth/mfa/verify", json={"mfa_token": mfa_token, "code": code})


# --- setup and enable ----------------------------------------------------------------------------------------


def test_mfa_setup_answers_a_secret_and_its_otpauth_uri(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    answer = client.post("/api/v1/auth/mfa/setup", headers=bearer(tokens))
    assert answer.status_code == 200
    secret = answer.json["secret"]
    parsed = pyotp.parse_uri(answer.json["otpauth_uri"])
    assert parsed.secret == secret
    assert parsed.name == email
    assert parsed.issuer == "Kraftd Docs"


def test_mfa_setup_alone_does_not_turn_mfa_on(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    tokens = signed_in(client, mailbox, email)
    client.post("/api/v1/auth/mfa/setup", headers=bearer(tokens))
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).json["mfa_enabled"] is False
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert "access_token" in login.json


def test_mfa_setup_needs_a_signed_in_user(client: FlaskClient) -> None:
    answer = client.post("/api/v1/auth/mfa/setup")
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "unauthorized"


def test_mfa_enable_with_a_wrong_code_is_refused(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    tokens = signed_in(client, mailbox, email)
    secret = client.post("/api/v1/auth/mfa/setup", headers=bearer(tokens)).json["secret"]
    wrong = f"{(int(code_at(secret)) + 1) % 1_000_000:06d}"
    answer = client.post("/api/v1/auth/mfa/enable", headers=bearer(tokens), json={"code": wrong})
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_code"
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).json["mfa_enabled"] is False


def test_mfa_enable_before_setup_is_refused(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    tokens = signed_in(client, mailbox, email)
    answer = client.post("/api/v1/auth/mfa/enable", headers=bearer(tokens), json={"code": "123456"})
    assert answer.status_code == 409
    assert answer.json["error"]["code"] == "mfa_not_set_up"


def test_mfa_enable_answers_ten_distinct_recovery_codes(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    account = mfa_account(client, mailbox, email)
    assert len(account.recovery_codes) == 10
    assert len(set(account.recovery_codes)) == 10
    assert all(isinstance(c, str) and len(c) >= 8 for c in account.recovery_codes)
    assert client.get("/api/v1/auth/me", headers=bearer(account.tokens)).json["mfa_enabled"] is True


def test_mfa_setup_again_while_enabled_is_refused(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    account = mfa_account(client, mailbox, email)
    answer = client.post("/api/v1/auth/mfa/setup", headers=bearer(account.tokens))
    assert answer.status_code == 409
    assert answer.json["error"]["code"] == "mfa_already_enabled"


def test_mfa_secret_is_not_stored_in_clear_text(
    app: Flask, client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    account = mfa_account(client, mailbox, email)
    stored = app.extensions["kraftd"].store.get_user(email)
    assert stored.mfa_secret
    assert account.secret not in stored.mfa_secret
    assert account.secret.lower() not in stored.mfa_secret.lower()


def test_recovery_codes_are_not_stored_in_clear_text(
    app: Flask, client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    account = mfa_account(client, mailbox, email)
    stored = " ".join(app.extensions["kraftd"].store.get_user(email).recovery_codes)
    for code in account.recovery_codes:
        assert code not in stored
        assert code.replace("-", "") not in stored


# --- signing in with MFA -------------------------------------------------------------------------------------


def test_login_with_mfa_on_answers_a_challenge_not_tokens(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    mfa_account(client, mailbox, email)
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200
    assert answer.json["mfa_required"] is True
    assert answer.json["mfa_token"]
    assert "access_token" not in answer.json
    assert "refresh_token" not in answer.json


def test_mfa_verify_with_a_totp_code_gives_tokens(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    account = mfa_account(client, mailbox, email)
    # The code of the next step (±1 step is allowed): the current one was spent on enabling MFA.
    answer = verify(client, challenge(client, email), code_at(account.secret, +1))
    assert answer.status_code == 200
    assert answer.json["token_type"] == "Bearer"
    assert client.get("/api/v1/auth/me", headers=bearer(answer.json)).json["email"] == email
    assert (
        client.post("/api/v1/auth/refresh", headers=bearer(answer.json, "refresh_token")).status_code == 200
    )


def test_mfa_verify_accepts_a_code_typed_with_a_space(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    account = mfa_account(client, mailbox, email)
    code = code_at(account.secret, +1)
    assert verify(client, challenge(client, email), f"{code[:3]} {code[3:]}").status_code == 200


def test_a_totp_code_works_only_once(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    account = mfa_account(client, mailbox, email)
    code = code_at(account.secret, +1)
    assert verify(client, challenge(client, email), code).status_code == 200
    replay = verify(client, challenge(client, email), code)
    assert replay.status_code == 401
    assert replay.json["error"]["code"] == "invalid_code"


def test_the_code_that_enabled_mfa_does_not_sign_in(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    account = mfa_account(client, mailbox, email)
    answer = verify(client, challenge(client, email), account.enabling_code)
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_code"


def test_a_totp_code_further_than_one_step_away_is_refused(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    account = mfa_account(client, mailbox, email)
    answer = verify(client, challenge(client, email), code_at(account.secret, +3))
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_code"


@pytest.mark.parametrize(
    "code",
    ["000000x", "", "12345", "not a code", "1234567", "\u0661\u0662\u0663\u0664\u0665\u0666", "１２３４５６"],
)
def test_mfa_verify_with_a_malformed_code_is_refused(
    client: FlaskClient, mailbox: Mailbox, email: str, code: str
) -> None:
    mfa_account(client, mailbox, email)
    answer = verify(client, challenge(client, email), code)
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_code"


def test_a_recovery_code_signs_in(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    account = mfa_account(client, mailbox, email)
    answer = verify(client, challenge(client, email), account.recovery_codes[3])
    assert answer.status_code == 200
    assert answer.json["access_token"]


def test_a_recovery_code_works_only_once(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    account = mfa_account(client, mailbox, email)
    assert verify(client, challenge(client, email), account.recovery_codes[0]).status_code == 200
    again = verify(client, challenge(client, email), account.recovery_codes[0])
    assert again.status_code == 401
    assert again.json["error"]["code"] == "invalid_code"
    assert verify(client, challenge(client, email), account.recovery_codes[1]).status_code == 200


def test_a_recovery_code_of_another_account_is_refused(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    mfa_account(client, mailbox, email)
    other = mfa_account(client, mailbox, "other-" + email)
    answer = verify(client, challenge(client, email), other.recovery_codes[0])
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_code"


def test_mfa_verify_with_a_forged_mfa_token_is_refused(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    account = mfa_account(client, mailbox, email)
    forged = make_token("another-secret-0123456789-abcdefghijklmnop", "mfa", {"email": email})
    answer = verify(client, forged, account.recovery_codes[0])
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_token"


def test_mfa_verify_with_an_expired_mfa_token_is_refused(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    account = mfa_account(client, mailbox, email)

    class SixMinutesAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 6 * 60

    old = URLSafeTimedSerializer(TEST_JWT_SECRET, salt="kraftd-mfa", signer=SixMinutesAgo).dumps(
        {"email": email}
    )
    answer = verify(client, str(old), account.recovery_codes[0])
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_token"


def test_a_verification_email_token_is_not_an_mfa_token(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    account = mfa_account(client, mailbox, email)
    other_purpose = make_token(TEST_JWT_SECRET, "verify-email", {"email": email})
    answer = verify(client, other_purpose, account.recovery_codes[0])
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_token"


# --- disable -------------------------------------------------------------------------------------------------


def test_mfa_disable_with_password_and_code_turns_it_off(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    account = mfa_account(client, mailbox, email)
    answer = client.post(
        "/api/v1/auth/mfa/disable",
        headers=bearer(account.tokens),
        json={"password": PASSWORD, "code": code_at(account.secret, +1)},
    )
    assert answer.status_code == 200
    assert client.get("/api/v1/auth/me", headers=bearer(answer.json)).json["mfa_enabled"] is False
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert "access_token" in login.json


def test_mfa_disable_accepts_a_recovery_code(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    account = mfa_account(client, mailbox, email)
    answer = client.post(
        "/api/v1/auth/mfa/disable",
        headers=bearer(account.tokens),
        json={"password": PASSWORD, "code": account.recovery_codes[9]},
    )
    assert answer.status_code == 200


def test_mfa_disable_with_a_wrong_password_is_refused(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    account = mfa_account(client, mailbox, email)
    answer = client.post(
        "/api/v1/auth/mfa/disable",
        headers=bearer(account.tokens),
        json={"password": PASSWORD + "x", "code": code_at(account.secret, +1)},
    )
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_credentials"
    assert client.get("/api/v1/auth/me", headers=bearer(account.tokens)).json["mfa_enabled"] is True


def test_mfa_disable_with_a_wrong_code_is_refused(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    account = mfa_account(client, mailbox, email)
    answer = client.post(
        "/api/v1/auth/mfa/disable",
        headers=bearer(account.tokens),
        json={"password": PASSWORD, "code": code_at(account.secret, +3)},
    )
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_code"
    assert client.get("/api/v1/auth/me", headers=bearer(account.tokens)).json["mfa_enabled"] is True


def test_mfa_disable_without_a_code_is_refused(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    account = mfa_account(client, mailbox, email)
    answer = client.post(
        "/api/v1/auth/mfa/disable", headers=bearer(account.tokens), json={"password": PASSWORD}
    )
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "invalid_request"
    assert client.get("/api/v1/auth/me", headers=bearer(account.tokens)).json["mfa_enabled"] is True


def test_after_mfa_disable_the_old_recovery_codes_are_void(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    account = mfa_account(client, mailbox, email)
    tokens = client.post(
        "/api/v1/auth/mfa/disable",
        headers=bearer(account.tokens),
        json={"password": PASSWORD, "code": account.recovery_codes[0]},
    ).json
    secret = client.post("/api/v1/auth/mfa/setup", headers=bearer(tokens)).json["secret"]
    enabled = client.post(
        "/api/v1/auth/mfa/enable", headers=bearer(tokens), json={"code": code_at(secret, +1)}
    )
    assert enabled.status_code == 200
    answer = verify(client, challenge(client, email), account.recovery_codes[1])
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_code"
