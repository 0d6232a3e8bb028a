"""Log lines: one JSON object each, with the request id, job id and user hash, and never an e-mail or secret."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from common.telemetry import LOG_FIELDS, LogFormatter, job_id_var, request_id_var, scrub, user_var


@pytest.fixture
def context() -> Iterator[None]:
    tokens = [request_id_var.set("req-123"), job_id_var.set("job-9"), user_var.set("a1b2c3d4e5f6")]
    yield
    for var, token in zip((request_id_var, job_id_var, user_var), tokens, strict=True):
        var.reset(token)


def line(message: str, *args: Any, exc: bool = False, **extra: Any) -> dict[str, Any]:
    exc_info = sys.exc_info() if exc else None
    record = logging.LogRecord("kraftd.http", logging.INFO, __file__, 1, message, args, exc_info)
    record.__dict__.update(extra)
    parsed: dict[str, Any] = json.loads(LogFormatter().format(record))
    return parsed


def test_a_request_line_carries_its_context_and_fields(context: None) -> None:
    entry = line("GET %s %s", "/api/v1/jobs/<job_id>", 200, route="/api/v1/jobs/<job_id>", status=200)
    assert entry["level"] == "info"
    assert entry["logger"] == "kraftd.http"
    assert entry["message"] == "GET /api/v1/jobs/<job_id> 200"
    assert (entry["request_id"], entry["job_id"], entry["user"]) == ("req-123", "job-9", "a1b2c3d4e5f6")
    assert (entry["route"], entry["status"]) == ("/api/v1/jobs/<job_id>", 200)
    assert entry["ts"].endswith("+00:00")
    assert list(entry) == [key for key in LOG_FIELDS if key in entry]  # in the documented order


def test_e_mails_and_secrets_never_reach_a_line() -> None:
    try:
        raise ValueError("could not log in ann@example.com with password=hunter2-secret")
    except ValueError:
        entry = line("login failed for %s", "ann@example.com", exc=True)
    text = json.dumps(entry)
    assert "ann@example.com" not in text
    assert "hunter2-secret" not in text
    assert entry["message"] == "login failed for [email]"
    assert "ValueError" in entry["exc"]


def test_keys_a_library_passes_in_extra_stay_out() -> None:
    entry = line("task done", data={"args": ["ann@example.com"]}, queue="analyze")
    assert "data" not in entry
    assert entry["queue"] == "analyze"


@pytest.mark.parametrize("word", ["a" * 20_000, "a-" * 10_000, "x." * 10_000, "a@" * 10_000])
def test_scrubbing_a_long_word_takes_linear_time(word: str) -> None:
    """A long word in a URL must not tie up a worker: 20,000 characters took 0.8 to 16 s of CPU when the
    patterns were quadratic, and take milliseconds now (CPU time, so a busy machine does not move it)."""
    started = time.process_time()
    scrub(word)
    assert time.process_time() - started < 0.5
