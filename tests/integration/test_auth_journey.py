"""The account journey end to end, against the real Redis and the real SMTP sink."""

from __future__ import annotations

import time
import unicodedata
import uuid
from collections.abc import Iterator
from email.header import decode_header, make_header
from typing import Any

import jwt
import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from tests.conftest import TEST_JWT_SECRET, fresh_client
from tests.helpers import PASSWORD, bearer, register, signed_in, verification_token
from tests.pipeline import CONTRACT_TEXT, upload
from tests.recaptcha_server import RecaptchaServer
from tests.servers import Mailbox, free_port
from web import create_app

pytestmark = pytest.mark.integration

RECAPTCHA_SECRET = "test-recaptcha-secret"


def test_register_sends_a_verification_link_that_works_once(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
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
    out = client.post(
        "/api/v1/auth/logout", headers=bearer(tokens), json={"refresh_token": tokens["refresh_token"]}
    )
    assert out.status_code == 204
    me = client.get("/api/v1/auth/me", headers=bearer(tokens))
    assert me.status_code == 401
    assert me.json["error"]["code"] == "token_revoked"
    refreshed = client.post("/api/v1/auth/refresh", headers=bearer(tokens, "refresh_token"))
    assert refreshed.status_code == 401
    assert refreshed.json["error"]["code"] == "token_revoked"


# --- registration: e-mail addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address", ["not-an-email", "user@", "@example.com", "user@@example.com", "user@exa mple.com", "a@b", " "]
)
def test_register_refuses_an_invalid_email(client: FlaskClient, address: str) -> None:
    answer = register(client, address)
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "invalid_email"


def test_register_normalises_a_unicode_email(client: FlaskClient) -> None:
    tag = uuid.uuid4().hex[:8]
    answer = register(client, f"Jose.{tag}@Café.Example")
    assert answer.status_code == 201
    assert answer.json["user"]["email"] == f"jose.{tag}@café.example"


def test_register_refuses_the_same_unicode_email_in_other_case(client: FlaskClient) -> None:
    tag = uuid.uuid4().hex[:8]
    assert register(client, f"Jose.{tag}@Café.example").status_code == 201
    again = register(client, f"JOSE.{tag}@CAFÉ.EXAMPLE")
    assert again.status_code == 409
    assert again.json["error"]["code"] == "email_taken"


def test_register_refuses_the_same_unicode_email_in_decomposed_form(client: FlaskClient) -> None:
    tag = uuid.uuid4().hex[:8]
    assert register(client, f"jose.{tag}@caf\u00e9.example").status_code == 201  # é as one code point
    again = register(client, f"jose.{tag}@cafe\u0301.example")  # e + combining acute accent
    assert again.status_code == 409
    assert again.json["error"]["code"] == "email_taken"


def test_register_refuses_an_email_that_is_taken(client: FlaskClient, email: str) -> None:
    assert register(client, email).status_code == 201
    again = register(client, f"  {email.upper()} ")
    assert again.status_code == 409
    assert again.json["error"]["code"] == "email_taken"


def test_a_non_ascii_local_part_is_refused_clearly(client: FlaskClient) -> None:
    # Delivering to it needs SMTPUTF8 end to end, which Flask-Mail and many relays do not do: say so up front
    # rather than create an account whose verification e-mail can never arrive.
    answer = register(client, f"josé.{uuid.uuid4().hex[:8]}@example.com")
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "invalid_email"


def test_an_email_with_an_international_domain_receives_its_verification_link(
    client: FlaskClient, mailbox: Mailbox
) -> None:
    local = f"jose.{uuid.uuid4().hex[:8]}"
    assert register(client, f"{local}@café.example").status_code == 201
    wire_address = f"{local}@{'café.example'.encode('idna').decode()}"  # the domain travels as punycode
    received = [m for m in mailbox.messages if wire_address in str(make_header(decode_header(str(m["To"]))))]
    assert len(received) == 1
    assert "http://127.0.0.1:8000/verify-email?token=" in Mailbox.text(received[0])


# --- registration: password policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "Sh0rt-pw!",  # 9 characters
        "onlylowercaseletters",
        "ONLYUPPERCASELETTERS",
        "12345678901234",
        "!!!!@@@@####$$$$",
        "Password123",  # common, in any case
        "QWERTYUIOP1",
        "aAaAaAaAaAaA",  # two characters over and over
    ],
)
def test_register_refuses_a_weak_password(client: FlaskClient, email: str, password: str) -> None:
    answer = register(client, email, password)
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "weak_password"
    assert answer.json["error"]["message"]


def test_register_refuses_the_email_as_password(client: FlaskClient, email: str) -> None:
    answer = register(client, email, email.split("@")[0] + "!1")
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "weak_password"


def test_register_accepts_a_ten_character_password_of_two_classes(client: FlaskClient, email: str) -> None:
    assert register(client, email, "zebra7lamp").status_code == 201


def test_register_refuses_a_very_long_password_without_creating_the_account(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    answer = register(client, email, "Aa1-" * 25_000)  # 100 kB
    assert 400 <= answer.status_code < 500
    assert answer.json["error"]["code"] in {"weak_password", "invalid_request"}
    assert register(client, email).status_code == 201  # the address was still free


def test_register_refuses_a_password_just_over_the_maximum(client: FlaskClient, email: str) -> None:
    answer = register(client, email, "Aa1-" * 65)  # 260 characters
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "weak_password"


# --- registration: reCAPTCHA v3 ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recaptcha() -> Iterator[RecaptchaServer]:
    server = RecaptchaServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def recaptcha_app(base_config: dict[str, Any], recaptcha: RecaptchaServer) -> Flask:
    return create_app(
        {**base_config, "recaptcha_secret_key": RECAPTCHA_SECRET, "recaptcha_verify_url": recaptcha.url}
    )


def _register_with(app: Flask, email: str, token: str | None) -> Any:
    body: dict[str, Any] = {"email": email, "password": PASSWORD}
    if token is not None:
        body["recaptcha_token"] = token
    return fresh_client(app).post("/api/v1/auth/register", json=body)


def test_register_with_a_good_recaptcha_score_is_accepted(
    recaptcha_app: Flask, recaptcha: RecaptchaServer, email: str
) -> None:
    token = f"human:{email}"
    assert _register_with(recaptcha_app, email, token).status_code == 201
    (seen,) = recaptcha.requests_for(token)
    assert seen["secret"] == RECAPTCHA_SECRET
    assert seen["response"] == token


def test_register_with_the_minimum_recaptcha_score_is_accepted(recaptcha_app: Flask, email: str) -> None:
    assert _register_with(recaptcha_app, email, f"borderline:{email}").status_code == 201


def test_register_with_a_low_recaptcha_score_is_refused(
    recaptcha_app: Flask, recaptcha: RecaptchaServer, email: str
) -> None:
    answer = _register_with(recaptcha_app, email, f"bot:{email}")
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "recaptcha_failed"
    assert len(recaptcha.requests_for(f"bot:{email}")) == 1


def test_register_with_a_token_google_does_not_know_is_refused(recaptcha_app: Flask, email: str) -> None:
    answer = _register_with(recaptcha_app, email, f"forged:{email}")
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "recaptcha_failed"


def test_register_without_a_recaptcha_token_is_refused(recaptcha_app: Flask, email: str) -> None:
    answer = _register_with(recaptcha_app, email, None)
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "recaptcha_failed"


def test_register_when_the_verify_endpoint_answers_nonsense_is_refused(
    recaptcha_app: Flask, email: str
) -> None:
    answer = _register_with(recaptcha_app, email, f"not-an-object:{email}")
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "recaptcha_failed"


def test_register_when_the_verify_endpoint_is_down_is_refused(
    base_config: dict[str, Any], email: str
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/siteverify"  # a port nothing listens on
    app = create_app(
        {**base_config, "recaptcha_secret_key": RECAPTCHA_SECRET, "recaptcha_verify_url": nobody}
    )
    answer = _register_with(app, email, f"human:{email}")
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "recaptcha_failed"


def test_refused_recaptcha_creates_no_account(recaptcha_app: Flask, email: str) -> None:
    assert _register_with(recaptcha_app, email, f"bot:{email}").status_code == 400
    assert _register_with(recaptcha_app, email, f"human:{email}").status_code == 201


# --- e-mail verification -------------------------------------------------------------------------------------


def _aged_verification_token(email: str, age_seconds: int, secret: str = TEST_JWT_SECRET) -> str:
    """A verification token as the service makes them, but signed `age_seconds` ago."""

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_seconds

    serializer = URLSafeTimedSerializer(secret, salt="kraftd-verify-email", signer=Then)
    return str(serializer.dumps({"email": email}))


def test_verification_email_links_to_the_public_url(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    register(client, email)
    (message,) = mailbox.for_address(email)
    token = verification_token(mailbox, email)
    assert f"http://127.0.0.1:8000/verify-email?token={token}" in Mailbox.text(message)


def test_verification_token_works_within_24_hours(client: FlaskClient, email: str) -> None:
    register(client, email)
    token = _aged_verification_token(email, 23 * 3600)
    assert client.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 200


def test_verification_token_expires_after_24_hours(client: FlaskClient, email: str) -> None:
    register(client, email)
    token = _aged_verification_token(email, 24 * 3600 + 60)
    answer = client.post("/api/v1/auth/verify-email", json={"token": token})
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "invalid_token"


def test_verification_token_signed_with_another_secret_is_invalid(client: FlaskClient, email: str) -> None:
    register(client, email)
    token = _aged_verification_token(email, 0, secret="another-secret-0123456789-abcdefghijklmnop")
    answer = client.post("/api/v1/auth/verify-email", json={"token": token})
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "invalid_token"


def test_verification_token_that_was_tampered_with_is_invalid(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    register(client, email)
    token = verification_token(mailbox, email)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    answer = client.post("/api/v1/auth/verify-email", json={"token": tampered})
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "invalid_token"


def test_resend_verification_sends_a_new_working_link(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    register(client, email)
    answer = client.post("/api/v1/auth/resend-verification", json={"email": email})
    assert answer.status_code == 202
    assert len(mailbox.for_address(email)) == 2
    token = verification_token(mailbox, email)
    assert client.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 200


def test_resend_verification_to_a_verified_account_sends_nothing(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    signed_in(client, mailbox, email)
    answer = client.post("/api/v1/auth/resend-verification", json={"email": email})
    assert answer.status_code == 202
    assert len(mailbox.for_address(email)) == 1


@pytest.mark.parametrize("address", ["nobody-{tag}@example.com", "not an e-mail {tag}"])
def test_resend_verification_to_an_unknown_address_answers_202_and_sends_nothing(
    client: FlaskClient, mailbox: Mailbox, address: str
) -> None:
    address = address.format(tag=uuid.uuid4().hex)
    answer = client.post("/api/v1/auth/resend-verification", json={"email": address})
    assert answer.status_code == 202
    assert mailbox.for_address(address) == []


# --- login ---------------------------------------------------------------------------------------------------


def test_login_with_a_wrong_password_is_refused(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    signed_in(client, mailbox, email)
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD + "x"})
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_credentials"


def test_login_to_an_unknown_account_answers_like_a_wrong_password(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    signed_in(client, mailbox, email)
    wrong = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD + "x"})
    unknown = client.post("/api/v1/auth/login", json={"email": "x" + email, "password": PASSWORD})
    assert (unknown.status_code, unknown.json) == (wrong.status_code, wrong.json)


def test_login_accepts_the_email_in_other_case(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    signed_in(client, mailbox, email)
    answer = client.post("/api/v1/auth/login", json={"email": f" {email.upper()} ", "password": PASSWORD})
    assert answer.status_code == 200
    assert answer.json["access_token"]


def test_login_accepts_the_password_however_its_accents_are_encoded(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    composed = unicodedata.normalize("NFC", "Café-Crème-42")
    signed_in(client, mailbox, email, composed)
    decomposed = unicodedata.normalize("NFD", composed)  # what some keyboards and platforms send
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": decomposed})
    assert answer.status_code == 200


def test_login_tokens_are_access_and_refresh_jwts_for_the_account(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    access = jwt.decode(tokens["access_token"], TEST_JWT_SECRET, algorithms=["HS256"])
    refresh = jwt.decode(tokens["refresh_token"], TEST_JWT_SECRET, algorithms=["HS256"])
    assert (access["sub"], access["type"]) == (email, "access")
    assert (refresh["sub"], refresh["type"]) == (email, "refresh")
    assert access["exp"] - access["iat"] == tokens["expires_in"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600


# --- refresh -------------------------------------------------------------------------------------------------


def test_refresh_gives_a_new_access_token(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    tokens = signed_in(client, mailbox, email)
    answer = client.post("/api/v1/auth/refresh", headers=bearer(tokens, "refresh_token"))
    assert answer.status_code == 200
    assert answer.json["expires_in"] == 15 * 60
    assert client.get("/api/v1/auth/me", headers=bearer(answer.json)).json["email"] == email


def test_refresh_with_an_access_token_is_refused(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    tokens = signed_in(client, mailbox, email)
    answer = client.post("/api/v1/auth/refresh", headers=bearer(tokens))
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_token"


def test_a_refresh_token_does_not_open_me(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    tokens = signed_in(client, mailbox, email)
    answer = client.get("/api/v1/auth/me", headers=bearer(tokens, "refresh_token"))
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_token"


# --- logout --------------------------------------------------------------------------------------------------


def _jti(token: str) -> str:
    return str(jwt.decode(token, TEST_JWT_SECRET, algorithms=["HS256"])["jti"])


def test_logout_blocks_the_access_token_for_its_remaining_lifetime(
    client: FlaskClient, mailbox: Mailbox, email: str, redis_client: redis.Redis
) -> None:
    tokens = signed_in(client, mailbox, email)
    client.post("/api/v1/auth/logout", headers=bearer(tokens))
    ttl = redis_client.ttl(f"kraftd:revoked:{_jti(tokens['access_token'])}")
    assert 15 * 60 - 30 <= ttl <= 15 * 60


def test_logout_blocks_the_refresh_token_for_its_remaining_lifetime(
    client: FlaskClient, mailbox: Mailbox, email: str, redis_client: redis.Redis
) -> None:
    tokens = signed_in(client, mailbox, email)
    client.post(
        "/api/v1/auth/logout", headers=bearer(tokens), json={"refresh_token": tokens["refresh_token"]}
    )
    ttl = redis_client.ttl(f"kraftd:revoked:{_jti(tokens['refresh_token'])}")
    assert 7 * 24 * 3600 - 30 <= ttl <= 7 * 24 * 3600


def test_logout_leaves_other_sessions_signed_in(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    first = signed_in(client, mailbox, email)
    second = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json
    assert client.post("/api/v1/auth/logout", headers=bearer(first)).status_code == 204
    assert client.get("/api/v1/auth/me", headers=bearer(second)).status_code == 200


def test_logout_refuses_a_refresh_token_of_another_account(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    mine = signed_in(client, mailbox, email)
    theirs = signed_in(client, mailbox, "other-" + email)
    answer = client.post(
        "/api/v1/auth/logout", headers=bearer(mine), json={"refresh_token": theirs["refresh_token"]}
    )
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "invalid_token"
    assert client.post("/api/v1/auth/refresh", headers=bearer(theirs, "refresh_token")).status_code == 200


# --- deleting the account ------------------------------------------------------------------------------------


def test_delete_me_with_a_wrong_password_is_refused(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    answer = client.delete("/api/v1/auth/me", headers=bearer(tokens), json={"password": PASSWORD + "x"})
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_credentials"
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 200


def test_delete_me_removes_the_account(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    tokens = signed_in(client, mailbox, email)
    assert (
        client.delete("/api/v1/auth/me", headers=bearer(tokens), json={"password": PASSWORD}).status_code
        == 204
    )
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 401
    assert login.json["error"]["code"] == "invalid_credentials"


def test_after_delete_me_the_tokens_answer_401(client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    tokens = signed_in(client, mailbox, email)
    other_session = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json
    client.delete("/api/v1/auth/me", headers=bearer(tokens), json={"password": PASSWORD})
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 401
    assert client.get("/api/v1/auth/me", headers=bearer(other_session)).status_code == 401
    assert client.post("/api/v1/auth/refresh", headers=bearer(tokens, "refresh_token")).status_code == 401


def test_a_new_account_of_a_deleted_address_starts_without_its_documents(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    old = signed_in(client, mailbox, email)
    assert upload(client, old, "msa.txt", CONTRACT_TEXT.encode()).status_code == 202
    client.delete("/api/v1/auth/me", headers=bearer(old), json={"password": PASSWORD})
    new = signed_in(client, mailbox, email)
    assert client.get("/api/v1/documents", headers=bearer(new)).json["items"] == []


def test_an_operator_deletes_an_account_with_everything_it_owns(
    app: Flask, client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    assert upload(client, tokens, "msa.txt", CONTRACT_TEXT.encode()).status_code == 202
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["accounts", "delete", email])
    assert refused.exit_code == 2
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 200

    done = runner.invoke(args=["accounts", "delete", email.upper(), "--yes"])
    assert done.exit_code == 0, done.output
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 401
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 401
    assert runner.invoke(args=["accounts", "delete", email, "--yes"]).exit_code == 1


def test_tokens_of_a_deleted_account_do_not_open_a_new_account_of_the_same_email(
    client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    old = signed_in(client, mailbox, email)
    client.delete("/api/v1/auth/me", headers=bearer(old), json={"password": PASSWORD})
    assert register(client, email).status_code == 201
    assert client.post("/api/v1/auth/refresh", headers=bearer(old, "refresh_token")).status_code == 401
