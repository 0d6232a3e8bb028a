"""The job poll's common case answered at the WSGI layer, before Flask builds a request.

While a review runs, a browser asks `GET /api/v1/jobs/{id}` every second or two, and nearly every one of those
polls is the same case: a valid access token, the job's view published in Redis, the poll under its limit.
`FastPoll` answers that case from the poll's one Redis round trip (`web.polling.read_poll`) with the answer the
Flask route would give — the same body, status (200, or 304 for a matching ETag), ETag, cache and rate-limit
headers, security headers (`web.security.edge_headers`) and CORS headers (flask-cors' own `get_cors_headers`
over the API's options) — and counts it in the request metrics. The Date header is the server's: gunicorn
writes its own and drops the app's, so this path does not make one. It costs about a third of the Flask
route's CPU (bench/api.py).

Everything else goes to the Flask app untouched: other routes, HEAD, a missing, expired, revoked or refresh
token, a view not published, a poll over its limit, Range and If-Match requests, a Redis error. A poll it
counted before handing over carries its read (`COUNTED_POLL`), so it is counted once.
tests/integration/test_fast_poll.py holds the two paths' answers side by side.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

import redis
from flask import Flask
from flask_cors.core import get_cors_headers, get_cors_options
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES, is_resource_modified, quote_etag

from web.extensions import POLL_ENDPOINT, checked_bearer, user_key
from web.metrics import count_request
from web.polling import COUNTED_POLL, POLL_CACHE_CONTROL, access_claims, read_poll
from web.security import API_CSP, api_cors_options, edge_headers, request_id_from
from web.services import Services

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Requests whose answer the Flask route shapes in ways this path does not (partial content, 412).
_FLASK_ONLY_HEADERS = ("HTTP_RANGE", "HTTP_IF_MATCH", "HTTP_IF_RANGE")
_CORS_REQUEST_HEADERS = (
    ("HTTP_ORIGIN", "Origin"),
    ("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", "Access-Control-Request-Private-Network"),
)


class FastPoll:
    """WSGI middleware around the Flask app's `wsgi_app`; see the module's docstring."""

    def __init__(self, app: Flask, inner: WSGIApplication) -> None:
        self.inner = inner
        self.services: Services = app.extensions["kraftd"]
        self.secret: str = app.config["JWT_SECRET_KEY"]
        # Routing without a host (the app has no host or subdomain rules): bound once, not per request.
        self.routes = app.url_map.bind("")
        # A browser asks for the same path again and again while its job runs: routed once per path.
        self._route = lru_cache(maxsize=4096)(self._job_of)
        self.rule = next(rule.rule for rule in app.url_map.iter_rules(POLL_ENDPOINT))
        self.prefix = self.rule.split("<", 1)[0]  # every poll's path starts so; a cheap test before routing
        self.cors = get_cors_options(app, api_cors_options(self.services.settings))
        # The CORS headers depend on the request's Origin (and private-network ask) alone: worked out once each.
        self._cors_for = lru_cache(maxsize=256)(self._cors_headers_for)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        job_id = self._polled_job(environ)
        answer = self._answer(environ, job_id) if job_id is not None else None
        if answer is None:
            return self.inner(environ, start_response)
        status, headers, body = answer
        start_response(f"{status} {HTTP_STATUS_CODES[status].upper()}", headers)  # as werkzeug words it
        if self.services.settings.metrics_enabled:
            count_request("GET", self.rule, status, time.perf_counter() - started)
        return [body]

    def _polled_job(self, environ: WSGIEnvironment) -> str | None:
        """The job id of a poll this path may answer; None for any other request."""
        if environ.get("REQUEST_METHOD") != "GET" or not environ.get("PATH_INFO", "").startswith(self.prefix):
            return None
        if any(environ.get(header) for header in _FLASK_ONLY_HEADERS):
            return None
        return self._route(environ["PATH_INFO"])

    def _job_of(self, path: str) -> str | None:
        """The job id when the app's routing sends a GET of `path` to the poll."""
        try:
            endpoint, args = self.routes.match(path, "GET")
        except HTTPException:
            return None
        return str(args["job_id"]) if endpoint == POLL_ENDPOINT else None

    def _answer(
        self, environ: WSGIEnvironment, job_id: str
    ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        claims = access_claims(checked_bearer(environ.get("HTTP_AUTHORIZATION", ""), self.secret))
        if claims is None:
            return None
        settings = self.services.settings
        try:
            read = read_poll(self.services.redis, settings, user_key(str(claims["sub"])), claims, job_id)
        except redis.RedisError:
            return None  # the Flask route meets the same error and answers it as every route does
        if read.view is None or read.revoked or (read.window is not None and read.window.exceeded):
            environ[COUNTED_POLL] = read
            return None
        etag = quote_etag(read.view.etag)
        headers = [("ETag", etag), ("Cache-Control", POLL_CACHE_CONTROL)]
        if read.window is not None:
            headers += read.window.headers()
        headers += edge_headers(settings, request_id_from(environ.get("HTTP_X_REQUEST_ID", "")), API_CSP)
        headers += self._cors_headers(environ)
        if not is_resource_modified(environ, etag):
            return 304, headers, b""
        body = read.view.body.encode()
        return 200, [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *headers], body

    def _cors_headers(self, environ: WSGIEnvironment) -> tuple[tuple[str, str], ...]:
        return self._cors_for(*(environ.get(key) for key, _ in _CORS_REQUEST_HEADERS))

    def _cors_headers_for(self, *values: str | None) -> tuple[tuple[str, str], ...]:
        """flask-cors' headers for a GET that sent these CORS request headers (None: not sent)."""
        sent = [(name, value) for (_, name), value in zip(_CORS_REQUEST_HEADERS, values, strict=True)]
        asked = Headers([(name, value) for name, value in sent if value is not None])
        return tuple(
            (name, str(value)) for name, value in get_cors_headers(self.cors, asked, "GET").items(multi=True)
        )
