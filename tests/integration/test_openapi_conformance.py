"""Schemathesis against the served OpenAPI document: generated requests to every route, signed in with a real
access token, every built-in check (no server errors, status codes, content types, response headers and bodies
against their schemas, valid data accepted, invalid data refused, auth enforced, unsupported methods)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import schemathesis.engine
from flask import Flask
from flask_jwt_extended import create_access_token
from schemathesis import Case
from schemathesis.auths import AuthContext
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from werkzeug.serving import make_server

from tests.conftest import fresh_client
from tests.helpers import signed_in
from tests.servers import Mailbox, free_port
from web import create_app

pytestmark = pytest.mark.integration

# Bounded and repeatable: a few examples per route, the same ones every run.
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {
            "max-examples": 5,
            "deterministic": True,
            "database": "none",
            # Every request carries a real token (below), never a generated one.
            "with-security-parameters": False,
        },
        "checks": {
            # CONTRACT.md answers valid-looking data it cannot act on with these (invalid_email, weak_password,
            # invalid_token, unknown_role; expired; file_too_large; unsupported_type).
            "positive_data_acceptance": {
                "expected-statuses": [
                    "2xx",
                    "3xx",
                    "400",
                    "401",
                    "403",
                    "404",
                    "409",
                    "410",
                    "413",
                    "415",
                    "429",
                ]
            },
        },
    }
)

FUZZ_EMAIL = "schemathesis@example.com"
UNLIMITED = "100000/minute"


@pytest.fixture(scope="module")
def fuzzed_app(
    base_config: dict[str, Any], redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Flask:
    """The app with a store and a Redis database of its own (the session's workers never see its jobs), and
    limits high enough that generated requests reach the views instead of a 429."""
    data_dir: Path = tmp_path_factory.mktemp("fuzzed")
    return create_app(
        {
            **base_config,
            "data_dir": data_dir,
            "redis_url": redis_url.rsplit("/", 1)[0] + "/1",
            "rate_limit_default": UNLIMITED,
            "rate_limit_login": UNLIMITED,
            "rate_limit_poll": UNLIMITED,
        }
    )


@pytest.fixture(scope="module")
def served_at(fuzzed_app: Flask) -> Iterator[str]:
    """The app on a real HTTP port, as clients meet it."""
    server = make_server("127.0.0.1", free_port(), fuzzed_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="fuzzed-app", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def account(fuzzed_app: Flask, mailbox: Mailbox) -> str:
    signed_in(fresh_client(fuzzed_app), mailbox, FUZZ_EMAIL)
    return FUZZ_EMAIL


def _problems(run: Iterable[events.EngineEvent]) -> list[str]:
    """What went wrong in a run, one line per failed check or error."""
    found: list[str] = []
    for event in run:
        if isinstance(event, events.ScenarioFinished) and event.status in (Status.FAILURE, Status.ERROR):
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        found.append(
                            f"{event.recorder.label} [{event.phase}] {failure.title}: {failure.message}"
                        )
            if event.status is Status.ERROR:
                found.append(f"{event.recorder.label} [{event.phase}] error")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found.append(
                f"{type(event).__name__}: {getattr(event, 'value', getattr(event, 'exception', ''))}"
            )
    return found


def test_every_answer_matches_the_document(served_at: str, fuzzed_app: Flask, account: str) -> None:
    schema = schemathesis.openapi.from_url(f"{served_at}/api/v1/openapi.json", config=CONFIG)

    class FreshAccessToken:
        """A token of its own for each request: a generated logout revokes only the one it was sent with."""

        def get(self, case: Case, ctx: AuthContext) -> str:
            with fuzzed_app.app_context():
                token: str = create_access_token(identity=account)
                return token

        def set(self, case: Case, data: str, ctx: AuthContext) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    schema.auth(refresh_interval=None)(FreshAccessToken)
    problems = _problems(schemathesis.engine.from_schema(schema).execute())
    assert problems == [], "\n".join(problems)
