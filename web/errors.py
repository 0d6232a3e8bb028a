"""JSON errors for every status: `{"error": {"code", "message"}}`, never an HTML page or a trace."""

from __future__ import annotations

import logging

import redis
from flask import Flask, Response, jsonify, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from common.public import ErrorPublic
from common.queue import QueueUnavailable
from common.store import Conflict, StoreUnavailable

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "file_too_large",
    415: "unsupported_type",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}

# Routes whose work goes through the queue: there, Redis being down means the job cannot be queued.
_ENQUEUING_ENDPOINTS = frozenset({"documents.upload", "documents.create_export"})

# Routes where a 429 means "you tried to guess a secret too often" rather than "slow down".
_ATTEMPT_ENDPOINTS = frozenset({"auth.login", "auth.mfa_verify"})


class ErrorBody(BaseModel):
    """Every error answer: `{"error": {"code": "snake_case_code", "message": "text for a person"}}`."""

    error: ErrorPublic


class ApiError(Exception):
    """An error answered to the client as it is."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    response = jsonify(ErrorBody(error=ErrorPublic(code=code, message=message)).model_dump())
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.errorhandler(ValidationError)
    def _invalid(exc: ValidationError) -> Response:
        return error_response(400, "invalid_request", _describe(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = _CODES.get(status, "error")
        headers: dict[str, str] = {}
        message = exc.description or "Request failed."
        if status == 429:
            if request.endpoint in _ATTEMPT_ENDPOINTS:
                code = "too_many_attempts"
                message = "Too many attempts. Wait a little and try again."
            else:
                message = f"Too many requests ({exc.description}). Slow down and try again shortly."
            headers["Retry-After"] = str(_retry_after(exc))
        elif status == 413:
            message = "The request body is too large."
        elif status == 405:
            allowed = exc.valid_methods if hasattr(exc, "valid_methods") else None
            if allowed:
                headers["Allow"] = ", ".join(allowed)
            message = f"{request.method} is not allowed here."
        elif status == 404:
            message = "Nothing here."
        return error_response(status, code, message, headers)

    @app.errorhandler(QueueUnavailable)
    def _queue(exc: QueueUnavailable) -> Response:
        log.warning("queue unavailable: %s", exc)
        return error_response(
            503, "queue_unavailable", "The job queue is unavailable. Try again shortly.", {"Retry-After": "5"}
        )

    @app.errorhandler(redis.RedisError)
    def _redis(exc: redis.RedisError) -> Response:
        log.warning("redis unavailable: %s", exc)
        if request.endpoint in _ENQUEUING_ENDPOINTS:
            return _queue(QueueUnavailable(str(exc)))
        return error_response(
            503,
            "service_unavailable",
            "A backing service is unavailable. Try again shortly.",
            {"Retry-After": "5"},
        )

    @app.errorhandler(StoreUnavailable)
    def _store(exc: StoreUnavailable) -> Response:
        log.warning("store unavailable: %s", exc)
        return error_response(
            503, "store_unavailable", "The database is busy. Try again shortly.", {"Retry-After": "2"}
        )

    @app.errorhandler(Conflict)
    def _conflict(exc: Conflict) -> Response:
        return error_response(
            409, "conflict", "This changed while you were working on it. Reload and try again."
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "Something went wrong on our side. It has been logged.")


def _retry_after(exc: HTTPException) -> int:
    """The window of the limit that was hit; flask-limiter's own header, when it sets one, is more exact."""
    limit = getattr(exc, "limit", None)
    return max(1, int(limit.limit.get_expiry())) if limit is not None else 60
