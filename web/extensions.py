"""Flask extensions, created here and initialised in `create_app`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import jwt as pyjwt
from flask import current_app, request
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mail import Mail


@lru_cache(maxsize=4096)
def _checked_claims(token: str, secret: str) -> Mapping[str, Any] | None:
    """The claims of a token whose signature checks out (expiry not judged: that changes with time), cached
    by the token itself: a polling browser sends the same token every second, and PyJWT's decode costs more
    than the rest of a poll. Bounded LRU, so a flood of distinct tokens only evicts."""
    try:
        claims = pyjwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})
    except pyjwt.PyJWTError:
        return None
    if not isinstance(claims.get("sub"), str) or not isinstance(claims.get("exp"), int | float):
        return None
    return MappingProxyType(claims)


def checked_bearer(authorization: str, secret: str) -> Mapping[str, Any] | None:
    """The claims of an `Authorization: Bearer …` header's token when its signature checks out and it has not
    expired, else None. Revocation is not judged here."""
    if not authorization.startswith("Bearer "):
        return None
    claims = _checked_claims(authorization[7:].strip(), secret)
    if claims is None or float(claims["exp"]) <= time.time():
        return None
    return claims


def bearer_claims() -> Mapping[str, Any] | None:
    """`checked_bearer` of the current request."""
    return checked_bearer(request.headers.get("Authorization", ""), current_app.config["JWT_SECRET_KEY"])


def user_key(subject: str) -> str:
    """Whose quota a request with a valid token counts against."""
    return f"user:{subject}"


def user_or_ip() -> str:
    """Rate-limit key: the user a valid bearer token names, else the client address.

    Revocation is the view's business (`jwt_required` checks it); a revoked token only decides whose
    quota a request is counted against.
    """
    claims = bearer_claims()
    return user_key(str(claims["sub"])) if claims is not None else f"ip:{get_remote_address()}"


jwt = JWTManager()
mail = Mail()
cors = CORS()
limiter = Limiter(key_func=user_or_ip)


# The job poll counts itself against RATE_LIMIT_POLL in its one Redis round trip (`web.polling`); a request
# filter lets Flask-Limiter step aside before any of its own work, which `limiter.exempt` would not.
POLL_ENDPOINT = "jobs.get_job"


@limiter.request_filter
def _poll_counts_itself() -> bool:
    return request.endpoint == POLL_ENDPOINT
