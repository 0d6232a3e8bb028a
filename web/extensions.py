"""Flask extensions, created here and initialised in `create_app`."""

from __future__ import annotations

import time
from functools import lru_cache

import jwt as pyjwt
from flask import current_app, request
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mail import Mail


@lru_cache(maxsize=4096)
def _signed_identity(token: str, secret: str) -> tuple[str, float] | None:
    """The subject and expiry of a token whose signature checks out; cached, since a polling browser sends
    the same token every second and a signature check costs more than the rest of the rate-limit lookup."""
    try:
        claims = pyjwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})
    except pyjwt.PyJWTError:
        return None
    subject, expires = claims.get("sub"), claims.get("exp")
    if not isinstance(subject, str) or not isinstance(expires, int | float):
        return None
    return subject, float(expires)


def user_or_ip() -> str:
    """Rate-limit key: the user a valid bearer token names, else the client address.

    Revocation is the view's business (`jwt_required` checks it); a revoked token only decides whose
    quota a request is counted against.
    """
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        found = _signed_identity(header[7:].strip(), current_app.config["JWT_SECRET_KEY"])
        if found is not None and found[1] > time.time():
            return f"user:{found[0]}"
    return f"ip:{get_remote_address()}"


jwt = JWTManager()
mail = Mail()
cors = CORS()
limiter = Limiter(key_func=user_or_ip)
