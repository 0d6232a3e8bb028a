"""`GET /jobs/{id}` in one Redis round trip: the poll's rate-limit count, the token's revocation and the job's
published view (`common.job_cache`) are one Lua script (one command to send, one reply to parse); the store is
read only when the view is missing.

The token's signature is checked once per token (`web.extensions.bearer_claims`, a bounded LRU); its expiry
and revocation are judged on every poll. Any token the quick check does not accept (missing, malformed,
expired, revoked, not an access token) goes through flask-jwt-extended as every other route does, so its
answer is the same. The poll's limit is a fixed window like Flask-Limiter's (`RATE_LIMIT_POLL`, per user, or
per address without a valid token), counted here because Flask-Limiter answers in round trips of its own.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import redis
from flask import Response, current_app, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from limits import RateLimitItem, parse

from common import job_cache
from common.config import Settings
from common.redis_script import HeldScript
from common.store import NotFound
from common.telemetry import POLL_STORE_READS, user_hash, user_var
from web.errors import ApiError
from web.extensions import bearer_claims, user_or_ip
from web.services import services
from web.tokens import revocation_keys, revoked_by

_LIMIT_PREFIX = "kraftd-poll:"
# A browser may keep the answer but must ask again before using it (the ETag makes asking cheap).
POLL_CACHE_CONTROL = "private, no-cache"

# KEYS: [1] the poll's window counter; with a token, also [2] the job's view, [3], [4] its revocation keys.
# ARGV[1]: the window in seconds, '0' when polls are not limited. Returns {count, ttl[, etag, body, revoked,
# revoked-before]} (false for what is missing); count and ttl are 0 when not limited.
_POLL = """
local out = {0, 0}
if ARGV[1] ~= '0' then
  local count = redis.call('INCR', KEYS[1])
  local ttl = redis.call('TTL', KEYS[1])
  if ttl < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  out = {count, ttl}
end
if #KEYS > 1 then
  local view = redis.call('HMGET', KEYS[2], 'etag', 'body')
  out[3], out[4] = view[1], view[2]
  out[5], out[6] = redis.call('GET', KEYS[3]), redis.call('GET', KEYS[4])
end
return out
"""


@dataclass(frozen=True)
class Window:
    """The poll's fixed window as counted: its limit, the count so far, seconds until it resets."""

    limit: RateLimitItem
    count: int
    reset_in: int

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit.amount

    def headers(self) -> list[tuple[str, str]]:
        return [
            ("X-RateLimit-Limit", str(self.limit.amount)),
            ("X-RateLimit-Remaining", str(max(0, self.limit.amount - self.count))),
            ("X-RateLimit-Reset", str(int(time.time()) + self.reset_in)),
        ]


@dataclass(frozen=True)
class PollRead:
    """What a poll's one round trip found."""

    window: Window | None  # None: polls are not limited
    view: job_cache.CachedView | None  # None: not published, or no valid token to look it up with
    revoked: bool


# A poll the WSGI path counted but leaves to this view carries its read here, so it is counted once.
COUNTED_POLL = "kraftd.poll_read"


def access_claims(claims: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The claims when they are an access token's (refresh tokens do not poll)."""
    return claims if claims is not None and claims.get("type") == "access" else None


def read_poll(
    client: redis.Redis,
    settings: Settings,
    counted_as: str,
    claims: Mapping[str, Any] | None,
    job_id: str,
) -> PollRead:
    """Count the poll against RATE_LIMIT_POLL for `counted_as` and, with access claims, read the job's view and
    the token's revocation: one script, one round trip."""
    limit = _poll_limit(settings.rate_limit_poll) if settings.rate_limit_enabled else None
    if limit is None and claims is None:
        return PollRead(None, None, False)  # nothing to count, nothing to read
    keys = [f"{_LIMIT_PREFIX}{counted_as}:{limit.amount}/{limit.get_expiry()}" if limit else _LIMIT_PREFIX]
    if claims is not None:
        keys += [job_cache.key(str(claims["sub"]), job_id), *revocation_keys(claims)]
    results: list[Any] = _poll_script(client)(keys, [limit.get_expiry() if limit else 0])
    window = Window(limit, int(results[0]), max(1, int(results[1]))) if limit else None
    if claims is None:
        return PollRead(window, None, False)
    return PollRead(window, job_cache.view_from(results[2:4]), revoked_by(claims, results[4:6]))


def answer_poll(job_id: str) -> Response:
    """The job's public view with its ETag (304 when it still matches), from Redis when published."""
    svc = services()
    claims = access_claims(bearer_claims())
    read: PollRead = request.environ.pop(COUNTED_POLL, None) or read_poll(
        svc.redis, svc.settings, user_or_ip(), claims, job_id
    )
    if read.window is not None and read.window.exceeded:
        raise ApiError(
            429,
            "rate_limited",
            f"Too many requests ({read.window.limit}). Slow down and try again shortly.",
            {**dict(read.window.headers()), "Retry-After": str(read.window.reset_in)},
        )
    view = _after_full_check(svc.redis, job_id) if claims is None or read.revoked else read.view
    owner = str((claims or get_jwt())["sub"])
    user_var.set(user_hash(owner))
    if view is None:
        view = _read_through(owner, job_id)
    response = current_app.response_class(view.body, mimetype="application/json")
    response.set_etag(view.etag)
    response.headers["Cache-Control"] = POLL_CACHE_CONTROL
    if read.window is not None:
        response.headers.extend(read.window.headers())
    response.make_conditional(request)
    return response


@lru_cache(maxsize=8)
def _poll_limit(text: str) -> RateLimitItem:
    return parse(text)


@lru_cache(maxsize=8)
def _poll_script(client: redis.Redis) -> HeldScript:
    """The poll's script for this app's Redis client."""
    return HeldScript(client, _POLL)


def _after_full_check(client: redis.Redis, job_id: str) -> job_cache.CachedView | None:
    """flask-jwt-extended's whole check, which answers a bad token exactly as on every other route; for a good
    token the quick check could not take, the view is read on its own."""
    verify_jwt_in_request()
    owner = str(get_jwt()["sub"])
    return job_cache.view_from(client.hmget(job_cache.key(owner, job_id), ["etag", "body"]))


def _read_through(owner_email: str, job_id: str) -> job_cache.CachedView:
    """The store's job (404 when missing or someone else's), published for the next poll."""
    svc = services()
    POLL_STORE_READS.inc()
    try:
        job = svc.store.get_job(owner_email, job_id)
    except NotFound as exc:
        raise ApiError(404, "not_found", "No such job.") from exc
    svc.job_cache.publish(job)
    return job_cache.CachedView(job.version, job_cache.body_of(job))
