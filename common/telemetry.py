"""Logs as JSON lines, Sentry when a DSN is set, and the Prometheus metrics both sides export."""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from pythonjsonlogger.json import JsonFormatter

from common.config import SECRET_FIELDS, Settings

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
job_id_var: ContextVar[str | None] = ContextVar("job_id", default=None)
user_var: ContextVar[str | None] = ContextVar("user", default=None)


@contextmanager
def about_job(job_id: str | None) -> Iterator[None]:
    """Log lines written inside carry `job_id` (none with None), and lines written after no longer do.

    A worker's pool child runs one task after another in the same context: a job id set and never reset
    stays on every later line, the watchdog's included."""
    token = job_id_var.set(job_id)
    try:
        yield
    finally:
        job_id_var.reset(token)


# Each pattern starts only where its token starts (the lookbehinds), so a long word costs linear time, never
# quadratic: a 10,000-character word in a URL must not tie up a worker (it took seconds before).
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}\b"
)  # a TLD: not `kraftd-docs@0.1.0`
_BEARER = re.compile(r"(?i)(bearer\s+|token[\"'=: ]+)[\w.-]{16,}")
# `password=…`, `"password": "…"`, `jwt_secret_key='…'` (a settings repr): the value after a secret's name.
_ASSIGNED = re.compile(
    r"""(?ix)
    ((?<![\w-])[\w-]*(?:pass(?:word|wd)?|secret|token|api[_-]?key|_key|dsn|connection_string|authorization)
     ['"]?\s*[=:]\s*)
    (?:'[^']*'|"[^"]*"|[^\s'",;&)}\]]+)
    """
)
_JWT = re.compile(r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]+")


def user_hash(email: str) -> str:
    """A stable pseudonym for logs: never the e-mail itself."""
    return hashlib.sha256(email.lower().encode()).hexdigest()[:12]


def scrub(text: str) -> str:
    """Hide e-mails, tokens and assigned secrets in free text bound for logs or Sentry."""
    text = _EMAIL.sub("[email]", text)
    text = _JWT.sub("[redacted]", text)
    text = _ASSIGNED.sub(r"\1[redacted]", text)
    return _BEARER.sub(r"\1[redacted]", text)


# The keys a log line may carry, in this order; anything else a library passes in `extra` stays out.
LOG_FIELDS = tuple(
    "ts level logger message request_id job_id user route method status duration_ms queue task step exc".split()
)
_CONTEXT = (("request_id", request_id_var), ("job_id", job_id_var), ("user", user_var))


class LogFormatter(JsonFormatter):
    """python-json-logger's JSON lines with the request id, job id and user hash of the current context;
    message and traceback scrubbed of e-mails and secrets."""

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exc"},
            timestamp="ts",
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        for key, var in _CONTEXT:
            if value := var.get():
                log_data[key] = value

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        log_data["level"] = str(log_data["level"]).lower()
        for key in ("message", "exc"):
            if key in log_data:
                log_data[key] = scrub(str(log_data[key]))
        return {key: log_data[key] for key in LOG_FIELDS if key in log_data}


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("azure", "urllib3", "httpx", "openai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# Keys Sentry's EventScrubber filters wherever it looks (request headers, cookies and body, extra, user,
# breadcrumb data, frame variables, spans) besides its DEFAULT_DENYLIST: our settings' secrets, the fields
# our API takes credentials and personal data in, and the ones that hold what a document says.
SENTRY_DENYLIST = (
    sorted(SECRET_FIELDS)
    + """
    email e-mail owner_email current_password new_password access_token refresh_token mfa_token code
    recovery_codes otpauth_uri qr_svg api-key x-api-key dsn
    text content body data payload pages page chunk chunks raw
""".split()
)


def _scrub_strings(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrub_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_strings(item) for item in value]
    return value


def scrub_free_text(event: Any, _hint: Any) -> Any:
    """Sentry `before_send`: e-mails and secrets inside free text (exception messages, breadcrumb messages,
    task arguments), which no key-based scrubber sees."""
    return _scrub_strings(event)


def sentry_options(settings: Settings) -> dict[str, Any]:
    """What `sentry_sdk.init` is given: Sentry's own EventScrubber with our denylist, no local variables
    and no request bodies (they hold documents, passwords and settings), our free-text scrub last."""
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    return {
        "dsn": settings.sentry_dsn,
        "environment": settings.environment,
        "release": _release(),
        "send_default_pii": False,
        "include_local_variables": False,
        "max_request_body_size": "never",
        "event_scrubber": EventScrubber(denylist=[*DEFAULT_DENYLIST, *SENTRY_DENYLIST], recursive=True),
        "before_send": scrub_free_text,
        "integrations": [FlaskIntegration(), CeleryIntegration()],
        "traces_sample_rate": 0.0,
    }


def init_sentry(settings: Settings, *, component: str) -> bool:
    if not settings.sentry_dsn:
        return False
    import sentry_sdk

    sentry_sdk.init(**sentry_options(settings))
    sentry_sdk.set_tag("component", component)
    return True


def _release() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"kraftd-docs@{version('kraftd-docs')}"
    except PackageNotFoundError:
        return "kraftd-docs@dev"


LOGIN_FAILURES = Counter("kraftd_login_failures_total", "Failed logins and MFA codes", ["reason"])
JOB_OUTCOMES = Counter("kraftd_jobs_total", "Jobs finished", ["kind", "status"])
STEP_DURATION = Histogram(
    "kraftd_step_duration_seconds",
    "Time a job step ran",
    ["step"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300),
)
QUEUE_WAIT = Histogram(
    "kraftd_queue_wait_seconds",
    "Time a task waited in its queue",
    ["queue"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120),
)
TASK_RETRIES = Counter("kraftd_task_retries_total", "Task retries after transient errors", ["step", "reason"])
LLM_COST = Counter("kraftd_llm_cost_usd_total", "Estimated LLM cost in US dollars", ["model"])
LLM_TOKENS = Counter("kraftd_llm_tokens_total", "LLM tokens used", ["direction", "model"])
STORE_THROTTLED = Counter("kraftd_store_throttled_total", "Store answers of 429 (throttled)")
POLL_STORE_READS = Counter(
    "kraftd_poll_store_reads_total", "Store reads by GET /jobs/{id} (its Redis view missed)"
)
QUEUE_OLDEST_AGE = Gauge(
    "kraftd_queue_oldest_age_seconds",
    "Age of the oldest waiting message per queue (0 when empty)",
    ["queue"],
    multiprocess_mode="max",
)
QUEUE_DEPTH = Gauge("kraftd_queue_depth", "Messages waiting per queue", ["queue"], multiprocess_mode="max")
EXPORTS = Counter("kraftd_exports_total", "Exports requested")
FEEDBACK = Counter("kraftd_recommendation_feedback_total", "Recommendation feedback given", ["verdict"])
