"""Sentry: an unhandled error reaches the DSN host with environment and release, and nothing personal does.

The DSN host is a local HTTP server recording what the SDK posts. Sentry's SDK is global per process, so
the app under test runs in a subprocess of its own (`_serve_one_error`) and the test process never inits it.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sentry_sdk.scrubber import DEFAULT_DENYLIST

from common.telemetry import SENTRY_DENYLIST, scrub

ROOT = Path(__file__).resolve().parents[2]

# What must never leave the process. Kept far from the code that raises, so no source-context line quotes them.
PASSWORD = "Sunny-Meadow-2024-secret"
EMAIL = "ann.leak@example.com"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ubGVhayJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
BODY_MARKER = "CONFIDENTIAL-CONTRACT-CLAUSE-7-marker"


@dataclass
class Recorder:
    """What the fake Sentry host received: (path, decoded body) per POST."""

    posts: list[tuple[str, bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def items(self) -> list[dict[str, Any]]:
        """Every JSON item of every envelope (header lines included), and every /store/ body."""
        found: list[dict[str, Any]] = []
        with self.lock:
            posts = list(self.posts)
        for _path, body in posts:
            for line in body.splitlines():
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if isinstance(item, dict):
                    found.append(item)
        return found

    def events(self) -> list[dict[str, Any]]:
        return [i for i in self.items() if "exception" in i or "logentry" in i]

    def raw(self) -> str:
        with self.lock:
            return "\n".join(body.decode("utf-8", "replace") for _, body in self.posts)


def _decode(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":  # the SDK prefers brotli when the module is installed (locust brings it)
        import brotli  # type: ignore[import-not-found]

        decoded: bytes = brotli.decompress(body)
        return decoded
    return body


@pytest.fixture
def sentry_host() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = _decode(self.rfile.read(length), self.headers.get("Content-Encoding", ""))
            if self.path.startswith("/api/") and self.path.rstrip("/").endswith(("envelope", "store")):
                with recorder.lock:
                    recorder.posts.append((self.path, body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _serve_one_error() -> None:
    """Subprocess body: an app with Sentry on, a throwaway route that raises, one request to it."""
    import sentry_sdk
    from flask import request

    from web import create_app

    config = json.loads(os.environ["KRAFTD_TEST_CONFIG"])
    app = create_app(config)

    @app.post("/boom")
    def boom() -> str:
        body = request.get_data(as_text=True)
        payload = request.get_json()
        bearer = request.headers["Authorization"]
        raise RuntimeError(f"could not process {body[:0]}for {payload['email']} with {bearer}")

    answer = app.test_client().post(
        "/boom?token=" + os.environ["KRAFTD_TEST_TOKEN"],
        data=os.environ["KRAFTD_TEST_BODY"],
        headers={
            "Authorization": "Bearer " + os.environ["KRAFTD_TEST_TOKEN"],
            "Content-Type": "application/json",
        },
    )
    assert answer.status_code == 500, answer.status_code
    sentry_sdk.flush(timeout=10)
    sentry_sdk.get_client().close()


@pytest.mark.integration
def test_unhandled_web_error_reaches_sentry_scrubbed(
    base_config: dict[str, Any], sentry_host: tuple[Recorder, int], tmp_path: Path
) -> None:
    recorder, port = sentry_host
    config = {
        **base_config,
        "data_dir": str(tmp_path),
        "rate_limit_enabled": False,
        "sentry_dsn": f"http://publickey@127.0.0.1:{port}/1",
    }
    body = json.dumps({"email": EMAIL, "password": PASSWORD, "note": BODY_MARKER})
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "KRAFTD_TEST_CONFIG": json.dumps(config, default=str),
        "KRAFTD_TEST_BODY": body,
        "KRAFTD_TEST_TOKEN": TOKEN,
    }
    code = "from tests.integration.test_sentry import _serve_one_error; _serve_one_error()"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]

    events = recorder.events()
    assert events, f"no event reached the DSN host; received: {recorder.raw()[:2000]}"
    event = events[0]
    assert event["environment"] == "test"
    assert event["release"].startswith("kraftd-docs@")
    assert event["tags"]["component"] == "web"
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert isinstance(event["contexts"], dict), "the scrubber must keep the event's structure"

    sent = recorder.raw()
    for secret in (PASSWORD, EMAIL, TOKEN, BODY_MARKER, body):
        assert secret not in sent
    assert "[email]" in event["exception"]["values"][-1]["value"]


def _fail_one_task() -> None:
    """Subprocess body: Sentry on as a worker inits it, one Celery task (run in place) that fails holding
    an e-mail in its arguments, settings and page text in its locals, and secrets in the breadcrumbs."""
    import logging

    import sentry_sdk
    from celery import Celery

    from common.config import Settings
    from common.telemetry import init_sentry

    settings = Settings(**json.loads(os.environ["KRAFTD_TEST_CONFIG"]))
    assert init_sentry(settings, component="worker")
    app = Celery("kraftd-test")

    @app.task(name="kraftd.analyze")
    def analyze(owner_email: str, job_id: str) -> None:
        settings_repr = repr(settings)
        pages = [os.environ["KRAFTD_TEST_BODY"]]
        logging.getLogger("kraftd.test").warning("POST /api/v1/auth/login 401 password=%s", PASSWORD)
        logging.getLogger("kraftd.test").warning("link http://x/verify-email?token=%s", TOKEN)
        raise ValueError(f"no parties found for {owner_email} in {len(pages)} pages ({len(settings_repr)})")

    analyze.apply(args=[EMAIL, "job-1"])
    sentry_sdk.flush(timeout=10)
    sentry_sdk.get_client().close()


@pytest.mark.integration
def test_failed_task_reaches_sentry_scrubbed(
    base_config: dict[str, Any], sentry_host: tuple[Recorder, int], tmp_path: Path
) -> None:
    recorder, port = sentry_host
    config = {
        **base_config,
        "data_dir": str(tmp_path),
        "environment": "production",
        "jwt_secret_key": "k3y-of-forty-characters-0123456789abcdef",
        "mail_password": PASSWORD,
        "openai_api_key": "sk-live-123456",
        "sentry_dsn": f"http://publickey@127.0.0.1:{port}/1",
    }
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "KRAFTD_TEST_CONFIG": json.dumps(config, default=str),
        "KRAFTD_TEST_BODY": BODY_MARKER,
    }
    code = "from tests.integration.test_sentry import _fail_one_task; _fail_one_task()"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]

    events = recorder.events()
    assert events, f"no event reached the DSN host; received: {recorder.raw()[:2000]}"
    event = events[0]
    assert event["environment"] == "production"
    assert event["tags"]["component"] == "worker"
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert "[email]" in event["exception"]["values"][-1]["value"]
    assert event["extra"]["celery-job"]["task_name"] == "kraftd.analyze"
    assert isinstance(event["contexts"], dict), "the scrubbers must keep the event's structure"
    sent = recorder.raw()
    for secret in (PASSWORD, EMAIL, TOKEN, BODY_MARKER, "k3y-of-forty", "sk-live-123456"):
        assert secret not in sent


def test_our_denylist_extends_sentrys_own_scrubber() -> None:
    """Fields only our API and settings have are filtered by key, as Sentry filters its own list."""
    from sentry_sdk.scrubber import EventScrubber

    event: dict[str, Any] = {
        "request": {"headers": {"Authorization": f"Bearer {TOKEN}", "X-Api-Key": "sk-live-123"}},
        "extra": {"form": {"new_password": PASSWORD, "mfa_token": TOKEN, "owner_email": EMAIL}},
        "breadcrumbs": {"values": [{"message": "sent", "data": {"text": BODY_MARKER}}]},
    }
    EventScrubber(denylist=[*DEFAULT_DENYLIST, *SENTRY_DENYLIST], recursive=True).scrub_event(event)
    cleaned = json.dumps(event, default=str)
    for secret in (PASSWORD, EMAIL, TOKEN, BODY_MARKER, "sk-live-123"):
        assert secret not in cleaned


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"login failed for {EMAIL}", "login failed for [email]"),
        (f"Authorization: Bearer {TOKEN}", "Authorization: [redacted] [redacted]"),
        ('{"password": "hunter2-and-more"}', '{"password": [redacted]}'),
        ("cosmos_key=abc123== next", "cosmos_key=[redacted] next"),
        (f"got {TOKEN} back", "got [redacted] back"),
        ("mail jose.x@café.example now", "mail [email] now"),
        ("release kraftd-docs@0.1.0", "release kraftd-docs@0.1.0"),  # a version is not an address
    ],
)
def test_scrub_hides_secrets_in_free_text(text: str, kept: str) -> None:
    assert scrub(text) == kept
