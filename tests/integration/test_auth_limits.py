"""Brute-force limits on passwords and MFA codes (per account and per address) and the default API limit."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
import tracemalloc
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous.encoding import base64_encode

from tests.conftest import fresh_client
from tests.helpers import PASSWORD, bearer, register, signed_in, verification_token
from tests.servers import Mailbox
from web import create_app
from web.tokens import make_token

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 3  # failures a minute, per account and per address, in the app below


@pytest.fixture(scope="module")
def limited_app(base_config: dict[str, Any]) -> Flask:
    return create_app({**base_config, "rate_limit_login": f"{LIMIT}/minute"})


@pytest.fixture
def limited(limited_app: Flask) -> FlaskClient:
    return fresh_client(limited_app)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def fail(client: FlaskClient, email: str) -> Any:
    answer = login(client, email, "Wrong-password-123")
    return answer


def assert_too_many_attempts(answer: Any) -> None:
    assert answer.status_code == 429
    assert answer.json["error"]["code"] == "too_many_attempts"
    assert answer.json["error"]["message"]
    assert int(answer.headers["Retry-After"]) > 0


# --- failed logins -------------------------------------------------------------------------------------------


def test_failed_logins_beyond_the_limit_answer_429_too_many_attempts(
    limited: FlaskClient, email: str
) -> None:
    register(limited, email)
    for _ in range(LIMIT):
        assert fail(limited, email).status_code == 401
    assert_too_many_attempts(fail(limited, email))


def test_once_limited_even_the_right_password_waits(
    limited: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    signed_in(limited, mailbox, email)
    for _ in range(LIMIT):
        fail(limited, email)
    assert_too_many_attempts(login(limited, email))


def test_successful_logins_do_not_count(limited: FlaskClient, mailbox: Mailbox, email: str) -> None:
    signed_in(limited, mailbox, email)  # one successful login
    for _ in range(LIMIT + 2):
        assert login(limited, email).status_code == 200
    for _ in range(LIMIT):
        assert fail(limited, email).status_code == 401
    assert_too_many_attempts(fail(limited, email))


def test_logins_of_an_unverified_account_with_the_right_password_do_not_count(
    limited: FlaskClient, email: str
) -> None:
    register(limited, email)
    for _ in range(LIMIT + 1):
        assert login(limited, email).status_code == 403
    assert fail(limited, email).status_code == 401


def test_an_address_that_failed_too_often_is_limited_for_any_account(
    limited_app: Flask, limited: FlaskClient, email: str
) -> None:
    for n in range(LIMIT):  # one failure each against different accounts
        assert fail(limited, f"{n}-{email}").status_code == 401
    assert_too_many_attempts(fail(limited, email))
    assert fail(fresh_client(limited_app), email).status_code == 401  # the account itself is not limited


def test_an_account_that_failed_too_often_is_limited_from_any_address(limited_app: Flask, email: str) -> None:
    register(fresh_client(limited_app), email)
    for _ in range(LIMIT):  # one failure each from different addresses
        assert fail(fresh_client(limited_app), email).status_code == 401
    newcomer = fresh_client(limited_app)
    assert_too_many_attempts(fail(newcomer, email))
    assert fail(newcomer, "other-" + email).status_code == 401  # the new address itself is not limited


def test_the_account_limit_counts_every_spelling_of_the_address(limited_app: Flask, email: str) -> None:
    spellings = [email.upper(), f"  {email} ", email.replace("@example.com", "@EXAMPLE.com")]
    for spelling in spellings[:LIMIT]:
        assert fail(fresh_client(limited_app), spelling).status_code == 401
    assert_too_many_attempts(fail(fresh_client(limited_app), email))


def test_the_account_limit_counts_unicode_spellings_of_the_address(limited_app: Flask) -> None:
    tag = uuid.uuid4().hex[:8]
    composed = f"jose.{tag}@caf\u00e9.example"  # é as one code point
    decomposed = f"jose.{tag}@cafe\u0301.example"  # e + combining acute accent: the same address
    register(fresh_client(limited_app), composed)
    for _ in range(LIMIT):
        assert fail(fresh_client(limited_app), decomposed).status_code == 401
    assert_too_many_attempts(fail(fresh_client(limited_app), composed))


# --- MFA codes -----------------------------------------------------------------------------------------------


def _mfa_challenge(client: FlaskClient, mailbox: Mailbox, email: str) -> tuple[str, str]:
    """An account with MFA on, signed in up to the code: (mfa_token, TOTP secret)."""
    tokens = signed_in(client, mailbox, email)
    secret = client.post("/api/v1/auth/mfa/setup", headers=bearer(tokens)).json["secret"]
    enabled = client.post(
        "/api/v1/auth/mfa/enable", headers=bearer(tokens), json={"code": pyotp.TOTP(secret).now()}
    )
    assert enabled.status_code == 200
    answer = login(client, email)
    return answer.json["mfa_token"], secret


def _verify(client: FlaskClient, mfa_token: str, code: str) -> Any:
    return client.post("/api/v1/auth/mfa/verify", json={"mfa_token": mfa_token, "code": code})


def _next_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30)


def _wrong_code(secret: str) -> str:
    return f"{(int(_next_code(secret)) + 1) % 1_000_000:06d}"


def test_wrong_mfa_codes_beyond_the_limit_answer_429_too_many_attempts(
    limited: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    mfa_token, secret = _mfa_challenge(limited, mailbox, email)
    for _ in range(LIMIT):
        assert _verify(limited, mfa_token, _wrong_code(secret)).status_code == 401
    assert_too_many_attempts(_verify(limited, mfa_token, _wrong_code(secret)))


def test_once_mfa_is_limited_even_the_right_code_waits(
    limited: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    mfa_token, secret = _mfa_challenge(limited, mailbox, email)
    for _ in range(LIMIT):
        _verify(limited, mfa_token, _wrong_code(secret))
    assert_too_many_attempts(_verify(limited, mfa_token, _next_code(secret)))


def test_wrong_mfa_codes_are_limited_per_account_from_any_address(
    limited_app: Flask, mailbox: Mailbox, email: str
) -> None:
    mfa_token, secret = _mfa_challenge(fresh_client(limited_app), mailbox, email)
    for _ in range(LIMIT):
        assert _verify(fresh_client(limited_app), mfa_token, _wrong_code(secret)).status_code == 401
    assert_too_many_attempts(_verify(fresh_client(limited_app), mfa_token, _next_code(secret)))


def test_forged_mfa_tokens_naming_an_account_do_not_lock_its_owner_out(
    limited_app: Flask, mailbox: Mailbox, email: str
) -> None:
    mfa_token, secret = _mfa_challenge(fresh_client(limited_app), mailbox, email)
    forged = make_token("an-attackers-guess-of-the-secret-0123456789", "mfa", {"email": email})
    attacker = fresh_client(limited_app)
    for _ in range(LIMIT):
        assert _verify(attacker, forged, "123456").status_code == 401
    assert _verify(fresh_client(limited_app), mfa_token, _next_code(secret)).status_code == 200


def test_a_forged_compressed_mfa_token_is_not_inflated(limited: FlaskClient) -> None:
    """itsdangerous tokens may carry a zlib payload: an unsigned one must never be decompressed."""
    payload = zlib.compress(b'{"email": "' + b"a" * 50_000_000 + b'@example.com"}', 9)  # ~50 kB -> 50 MB
    bomb = "." + base64_encode(payload).decode() + ".AAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA"
    tracemalloc.start()
    try:
        answer = _verify(limited, bomb, "123456")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert answer.status_code in (400, 401)
    assert peak < 10_000_000, f"answering a {len(bomb)}-byte token took {peak / 1e6:.0f} MB"


# --- the default limit on API routes -------------------------------------------------------------------------

_SERVE = """
import json, sys
from werkzeug.serving import make_server
from web import create_app
server = make_server("127.0.0.1", 0, create_app(json.loads(sys.argv[1])), threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


@pytest.fixture(scope="module")
def slow_api(base_config: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API with RATE_LIMIT_DEFAULT=5/minute, served over HTTP by a process of its own, as in production
    behind the ingress (TRUSTED_PROXIES=1: the X-Forwarded-For the tests send is the proxy's word).

    (Its own process because the limiter is one object per process: a second app in this one would keep the
    first app's default limit, see `test_a_second_app_in_one_process_keeps_its_own_default_limit`.)
    """
    config = json.dumps(
        {
            **base_config,
            "data_dir": str(base_config["data_dir"]),
            "rate_limit_default": "5/minute",
            "trusted_proxies": 1,
        }
    )
    log = tmp_path_factory.mktemp("slow-api") / "stderr.log"
    with log.open("w") as stderr:  # the process keeps its own copy of the file
        process = subprocess.Popen(
            [sys.executable, "-c", _SERVE, config], cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), f"the API process did not start:\n{log.read_text()[-3000:]}"
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _signed_in_over_http(api: str, mailbox: Mailbox, email: str, address: str) -> dict[str, str]:
    """Register, verify and sign in from `address` (as the proxy in front reports it): the bearer header."""
    via = {"X-Forwarded-For": address}
    assert _post(f"{api}/auth/register", json={"email": email, "password": PASSWORD}, headers=via).ok
    token = verification_token(mailbox, email)
    assert _post(f"{api}/auth/verify-email", json={"token": token}, headers=via).ok
    answer = _post(f"{api}/auth/login", json={"email": email, "password": PASSWORD}, headers=via)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _get(url: str, **kwargs: Any) -> requests.Response:
    return requests.get(url, timeout=10, **kwargs)


def _post(url: str, **kwargs: Any) -> requests.Response:
    return requests.post(url, timeout=10, **kwargs)


def _address() -> str:
    return f"192.0.2.{next(_hosts)}"


_hosts = itertools.count(1)


def test_the_default_limit_answers_429_rate_limited_per_user(
    slow_api: str, mailbox: Mailbox, email: str
) -> None:
    auth = _signed_in_over_http(slow_api, mailbox, email, _address())
    for _ in range(5):
        assert _get(f"{slow_api}/auth/me", headers=auth).status_code == 200
    answer = _get(f"{slow_api}/auth/me", headers=auth)
    assert answer.status_code == 429
    assert answer.json()["error"]["code"] == "rate_limited"
    assert int(answer.headers["Retry-After"]) > 0


def test_the_default_limit_follows_the_user_across_addresses(
    slow_api: str, mailbox: Mailbox, email: str
) -> None:
    auth = _signed_in_over_http(slow_api, mailbox, email, _address())
    for _ in range(5):
        _get(f"{slow_api}/auth/me", headers={**auth, "X-Forwarded-For": _address()})
    answer = _get(f"{slow_api}/auth/me", headers={**auth, "X-Forwarded-For": _address()})
    assert answer.status_code == 429


def test_the_default_limit_of_one_user_leaves_another_user_alone(
    slow_api: str, mailbox: Mailbox, email: str
) -> None:
    greedy = _signed_in_over_http(slow_api, mailbox, email, _address())
    other = _signed_in_over_http(slow_api, mailbox, "other-" + email, _address())
    for _ in range(6):
        _get(f"{slow_api}/auth/me", headers=greedy)
    assert _get(f"{slow_api}/auth/me", headers=greedy).status_code == 429
    assert _get(f"{slow_api}/auth/me", headers=other).status_code == 200  # same address, other user


def test_the_default_limit_applies_per_address_when_anonymous(slow_api: str) -> None:
    address = {"X-Forwarded-For": _address()}
    body = {"email": "nobody@example.com"}
    for _ in range(5):
        _post(f"{slow_api}/auth/resend-verification", json=body, headers=address)
    answer = _post(f"{slow_api}/auth/resend-verification", json=body, headers=address)
    assert answer.status_code == 429
    assert answer.json()["error"]["code"] == "rate_limited"
    elsewhere = {"X-Forwarded-For": _address()}
    assert _post(f"{slow_api}/auth/resend-verification", json=body, headers=elsewhere).status_code == 202


def test_the_default_limit_does_not_apply_to_health_probes(slow_api: str) -> None:
    root = slow_api.removesuffix("/api/v1")
    assert all(_get(f"{root}/healthz").status_code == 200 for _ in range(8))


def test_a_second_app_in_one_process_keeps_its_own_default_limit(
    base_config: dict[str, Any], app: Flask, mailbox: Mailbox, email: str
) -> None:
    slow = create_app({**base_config, "rate_limit_default": "5/minute"})
    tokens = signed_in(fresh_client(slow), mailbox, email)
    user = fresh_client(slow)
    answers = [user.get("/api/v1/auth/me", headers=bearer(tokens)).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]


def _forged_logins(client: FlaskClient, count: int) -> list[Any]:
    """Failed logins for different accounts, each claiming another client address in X-Forwarded-For."""
    return [
        client.post(
            "/api/v1/auth/login",
            json={"email": f"nobody-{uuid.uuid4().hex[:8]}@example.com", "password": "Wrong-password-123"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
        for n in range(count)
    ]


def test_a_forged_x_forwarded_for_does_not_dodge_the_address_limit(limited: FlaskClient) -> None:
    answers = _forged_logins(limited, LIMIT + 1)
    assert [a.status_code for a in answers[:LIMIT]] == [401] * LIMIT
    assert_too_many_attempts(answers[-1])


def test_behind_trusted_proxies_the_forwarded_address_counts(base_config: dict[str, Any]) -> None:
    app = create_app({**base_config, "rate_limit_login": f"{LIMIT}/minute", "trusted_proxies": 1})
    answers = _forged_logins(fresh_client(app), LIMIT + 1)
    assert [a.status_code for a in answers] == [401] * (LIMIT + 1)
