"""The job poll answered before Flask (web/fast_poll.py) answers exactly as the Flask route does, takes only
the common case, and counts each poll once against its limit and in the metrics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request_started
from flask.testing import FlaskClient
from werkzeug.test import Client, TestResponse

from common.models import Job, JobKind
from tests.helpers import bearer, signed_in
from tests.servers import Mailbox
from web.fast_poll import FastPoll
from web.metrics import HTTP_REQUESTS

pytestmark = pytest.mark.integration

# Headers whose values differ from one answer to the next whichever path answers.
_PER_ANSWER = {"X-Request-ID", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
# The server's own: gunicorn writes Date and drops the app's (werkzeug's server writes one when the app did not),
# so the fast path leaves it out, where Flask's make_conditional adds one.
_FROM_THE_SERVER = {"Date"}


@pytest.fixture
def flask_only(app: Flask) -> Client:
    """A client of the Flask app alone, without the fast path in front of it."""
    fast = app.wsgi_app
    assert isinstance(fast, FastPoll)
    return Client(fast.inner, TestResponse)


@pytest.fixture
def through_flask(app: Flask) -> Iterator[list[str]]:
    """The paths of the requests Flask itself handled while the test ran."""
    seen: list[str] = []

    def note(_sender: Flask, **_extra: Any) -> None:
        from flask import request

        seen.append(request.path)

    request_started.connect(note, app)
    yield seen
    request_started.disconnect(note, app)


def _published_job(app: Flask, client: FlaskClient, tokens: dict[str, Any], owner: str) -> Job:
    job = Job.new(owner, JobKind.ANALYSIS, "doc-of-" + owner)
    app.extensions["kraftd"].store.create_job(job)
    assert client.get(f"/api/v1/jobs/{job.id}", headers=bearer(tokens)).status_code == 200  # publishes it
    return job


def _shape(answer: TestResponse) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = [
        (k, "…" if k in _PER_ANSWER else v) for k, v in answer.headers.items() if k not in _FROM_THE_SERVER
    ]
    return answer.status_code, answer.get_data(), headers


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"Origin": "http://127.0.0.1:8000"},
        {"Origin": "https://elsewhere.example"},
        {"X-Request-ID": "trace-42"},
        {"If-None-Match": "ETAG"},
        {"If-None-Match": '"not-the-etag"'},
    ],
    ids=["plain", "allowed-origin", "other-origin", "request-id", "matching-etag", "stale-etag"],
)
def test_the_fast_path_answers_exactly_as_the_flask_route(
    app: Flask,
    client: FlaskClient,
    flask_only: Client,
    through_flask: list[str],
    mailbox: Mailbox,
    email: str,
    extra: dict[str, str],
) -> None:
    tokens = signed_in(client, mailbox, email)
    job = _published_job(app, client, tokens, email)
    url = f"/api/v1/jobs/{job.id}"
    etag = client.get(url, headers=bearer(tokens)).headers["ETag"]
    headers = {**bearer(tokens), **{k: etag if v == "ETAG" else v for k, v in extra.items()}}
    through_flask.clear()

    fast = client.get(url, headers=headers)
    assert through_flask == []  # answered before Flask
    slow = flask_only.get(url, headers=headers)
    assert through_flask == [url]

    assert _shape(fast) == _shape(slow)
    assert fast.headers["X-RateLimit-Remaining"] == str(int(slow.headers["X-RateLimit-Remaining"]) + 1)
    if "X-Request-ID" in extra:
        assert fast.headers["X-Request-ID"] == slow.headers["X-Request-ID"] == "trace-42"


def test_what_the_fast_path_does_not_take_goes_to_flask(
    app: Flask, client: FlaskClient, through_flask: list[str], mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    job = _published_job(app, client, tokens, email)
    url = f"/api/v1/jobs/{job.id}"
    through_flask.clear()
    cases = [
        ("no token", "GET", url, {}, 401),
        ("refresh token", "GET", url, bearer(tokens, "refresh_token"), 401),
        ("unknown job", "GET", "/api/v1/jobs/no-such-job", bearer(tokens), 404),
        ("HEAD", "HEAD", url, bearer(tokens), 200),
        ("Range", "GET", url, {**bearer(tokens), "Range": "bytes=0-9"}, 200),
        ("the job list", "GET", "/api/v1/jobs", bearer(tokens), 200),
    ]
    for name, method, path, headers, status in cases:
        answer = client.open(path, method=method, headers=headers)
        assert answer.status_code == status, name
        assert through_flask[-1:] == [path], name

    client.post("/api/v1/auth/logout", headers=bearer(tokens), json={})
    revoked = client.get(url, headers=bearer(tokens))
    assert (revoked.status_code, revoked.json["error"]["code"]) == (401, "token_revoked")
    assert through_flask[-1] == url


def test_a_poll_handed_to_flask_is_counted_once(
    app: Flask, client: FlaskClient, through_flask: list[str], mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    job = Job.new(email, JobKind.ANALYSIS, "doc-of-" + email)
    app.extensions["kraftd"].store.create_job(job)
    url = f"/api/v1/jobs/{job.id}"
    answered = HTTP_REQUESTS.labels("GET", "200")._value.get()

    first = client.get(url, headers=bearer(tokens))  # not published yet: Flask reads the store
    assert through_flask[-1:] == [url]
    through_flask.clear()
    second = client.get(url, headers=bearer(tokens))  # published by the first: the fast path
    assert through_flask == []

    remaining = [int(a.headers["X-RateLimit-Remaining"]) for a in (first, second)]
    assert remaining[0] - remaining[1] == 1
    assert HTTP_REQUESTS.labels("GET", "200")._value.get() - answered == 2
