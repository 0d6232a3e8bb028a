"""Edge guards: security headers, CORS, proxy headers, request ids and a log line per request."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from common.config import Settings
from common.telemetry import request_id_var, user_var
from web.extensions import POLL_ENDPOINT, cors
from web.metrics import route

log = logging.getLogger("kraftd.http")

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
API_PATHS = r"/api/*"
_RECAPTCHA_HOSTS = "https://www.google.com https://www.gstatic.com https://www.recaptcha.net"

REFERRER_POLICY = "strict-origin-when-cross-origin"
# Requests without a log line of their own; `GET /metrics` counts them all (kraftd_http_request_total).
# Probes and scrapes never have one. Job polls that answer 200 or 304 have none either: a browser polls every
# second or two while a review runs, so at thousands of users those lines would be most of the log (and of its
# cost) while saying nothing the counters do not; a poll that fails (401, 404, 429, 5xx) is logged.
_UNLOGGED_ROUTES = frozenset({"/metrics", "/healthz"})


def html_csp(settings: Settings) -> str:
    script = "'self'"
    frame = "'none'"
    connect = "'self'"
    if settings.recaptcha_site_key:
        script = f"'self' {_RECAPTCHA_HOSTS}"
        frame = _RECAPTCHA_HOSTS
        connect = f"'self' {_RECAPTCHA_HOSTS}"
    return (
        f"default-src 'self'; script-src {script}; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; frame-src {frame}; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def init_security(app: Flask, settings: Settings) -> None:
    # X-Forwarded-For/-Proto/-Host count only from the proxies the operator says are there (TRUSTED_PROXIES:
    # 1 for the Container Apps ingress): with none, anyone could pick their own IP and dodge per-IP limits.
    hops = settings.trusted_proxies
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    cors.init_app(app, resources={API_PATHS: api_cors_options(settings)})
    page_csp = html_csp(settings)

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        g.request_id = request_id_from(request.headers.get("X-Request-ID", ""))
        request_id_var.set(g.request_id)
        user_var.set(None)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        is_html = response.mimetype == "text/html"
        for name, value in edge_headers(settings, g.get("request_id", ""), page_csp if is_html else API_CSP):
            headers[name] = value
        if response.status_code < 400:
            headers.pop(
                "Retry-After", None
            )  # flask-limiter adds it to every answer; it means something only on errors
        if request.path.startswith("/api/") and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        _log(response)
        return response


def request_id_from(incoming: str) -> str:
    """The caller's X-Request-ID when it is a sane one, else a new id."""
    return incoming if 0 < len(incoming) <= 128 and incoming.isprintable() else uuid.uuid4().hex


def edge_headers(settings: Settings, request_id: str, csp: str) -> list[tuple[str, str]]:
    """The security headers of every answer (`API_CSP` for all but HTML pages)."""
    headers = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", REFERRER_POLICY),
        ("X-Frame-Options", "DENY"),
        ("X-Request-ID", request_id),
        ("Content-Security-Policy", csp),
    ]
    if settings.environment == "production":
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers


def api_cors_options(settings: Settings) -> dict[str, Any]:
    """flask-cors options of the API's paths (`API_PATHS`): reads from the configured origins, with
    credentials, these headers visible to the page."""
    return {
        "origins": settings.origins,
        "supports_credentials": True,
        "expose_headers": ["ETag", "Location", "Retry-After", "X-Request-ID"],
        "max_age": 600,
    }


def _log(response: Response) -> None:
    rule = route(request)
    if rule in _UNLOGGED_ROUTES or (request.endpoint == POLL_ENDPOINT and response.status_code < 400):
        return
    elapsed = time.perf_counter() - g.get("started", time.perf_counter())
    fields = {"route": rule, "method": request.method, "status": response.status_code}
    log.info(
        "%s %s %s",
        request.method,
        rule,
        response.status_code,
        extra={**fields, "duration_ms": round(elapsed * 1000, 1)},
    )
