"""Logs as JSON lines, Sentry when a DSN is set, and the Prometheus metrics both sides export."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from common.config import Settings

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
job_id_var: ContextVar[str | None] = ContextVar("job_id", default=None)
user_var: ContextVar[str | None] = ContextVar("user", default=None)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_BEARER = re.compile(r"(?i)(bearer\s+|token[\"'=: ]+)[\w.-]{16,}")
# `password=…`, `"password": "…"`, `jwt_secret_key='…'` (a settings repr): the value after a secret's name.
_ASSIGNED = re.compile(
    r"""(?ix)
    (\b[\w-]*(?:pass(?:word|wd)?|secret|token|api[_-]?key|_key|dsn|connection_string|authorization)
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


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        for key, var in (("request_id", request_id_var), ("job_id", job_id_var), ("user", user_var)):
            value = var.get()
            if value:
                entry[key] = value
        for key in ("route", "method", "status", "duration_ms", "queue", "task", "step"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("azure", "urllib3", "httpx", "openai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# Keys whose values are credentials or personal data wherever they appear (headers, extra, contexts).
# Matched on the key's parts (`access_token`, `X-Api-Key`, `refreshToken`), so `tiktoken` or `contexts` pass.
_SECRET_PART = re.compile(
    r"(?i)^(pass|passwd|password|pwd|secret|token|authorization|auth|cookie|key|apikey|email|e-mail|mail"
    r"|dsn|credential|credentials|signature|sig|otp|mfa|recovery|session|sas)$"
)
_SECRET_SUBSTRING = re.compile(
    r"(?i)password|passwd|secret|authorization|cookie|e-?mail|api[_-]?key|credential"
)
# Keys that, whole, name what a user sent or what a document says.
_CONTENT_KEYS = frozenset(
    {"code", "text", "content", "body", "data", "payload", "pages", "page", "chunk", "chunks", "raw"}
)  # fmt: skip


# Sentry's own fields that look like secrets by name but are not (the DSN's public key, in the trace context).
_SENTRY_FIELDS = frozenset({"public_key"})


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    if lowered in _SENTRY_FIELDS:
        return False
    if lowered in _CONTENT_KEYS or _SECRET_SUBSTRING.search(key):
        return True
    parts = re.split(r"[^a-zA-Z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key))
    return any(_SECRET_PART.match(part) for part in parts if part)


def _drop_frame_vars(container: Any) -> None:
    """Local variables hold document text, request bodies and settings: never send them."""
    if not isinstance(container, dict):
        return
    for value in container.get("values") or []:
        frames = ((value or {}).get("stacktrace") or {}).get("frames") or []
        for frame in frames:
            if isinstance(frame, dict):
                frame.pop("vars", None)


def _scrub_event(event: Any, _hint: Any) -> Any:
    """Sentry `before_send`: drop request bodies, local variables, and anything that looks like a
    credential or personal data; keep the event's structure (`contexts`, frames) intact so it still sends."""

    def clean(value: Any, key: str = "") -> Any:
        if key and _is_secret_key(key):
            return "[Filtered]"
        if isinstance(value, dict):
            return {k: clean(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, str):
            return scrub(value)
        return value

    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
        request.pop("env", None)
    event.pop("user", None)
    _drop_frame_vars(event.get("exception"))
    _drop_frame_vars(event.get("threads"))
    return clean(event)


def init_sentry(settings: Settings, *, component: str) -> bool:
    if not settings.sentry_dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.environment,
        release=_release(),
        send_default_pii=False,
        integrations=[FlaskIntegration(), CeleryIntegration()],
        before_send=_scrub_event,
        traces_sample_rate=0.0,
    )
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
QUEUE_OLDEST_AGE = Gauge(
    "kraftd_queue_oldest_age_seconds",
    "Age of the oldest waiting message per queue (0 when empty)",
    ["queue"],
    multiprocess_mode="max",
)
QUEUE_DEPTH = Gauge("kraftd_queue_depth", "Messages waiting per queue", ["queue"], multiprocess_mode="max")
EXPORTS = Counter("kraftd_exports_total", "Exports requested")
FEEDBACK = Counter("kraftd_recommendation_feedback_total", "Recommendation feedback given", ["verdict"])
