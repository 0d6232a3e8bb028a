"""Flask extensions, created here and initialised in `create_app`."""

from __future__ import annotations

from flask_cors import CORS
from flask_jwt_extended import JWTManager, get_jwt_identity, verify_jwt_in_request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mail import Mail


def user_or_ip() -> str:
    """Rate-limit key: the signed-in user when a valid token came with the request, else the client address."""
    try:
        verify_jwt_in_request(optional=True)
        identity = get_jwt_identity()
    except Exception:  # an invalid token is the view's business; here it is simply anonymous
        identity = None
    return f"user:{identity}" if identity else f"ip:{get_remote_address()}"


jwt = JWTManager()
mail = Mail()
cors = CORS()
limiter = Limiter(key_func=user_or_ip)
