"""The signed-in user: JWT callbacks that answer in our error format, and helpers for the views."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask_jwt_extended import get_jwt_identity

from common.config import Settings
from common.models import User
from common.store import NotFound
from common.telemetry import user_hash, user_var
from web.errors import ApiError, error_response
from web.extensions import jwt
from web.services import services
from web.tokens import is_revoked, issued_claims


def init_jwt(app: Flask, settings: Settings) -> None:
    app.config.update(
        JWT_SECRET_KEY=settings.jwt_secret_key,
        JWT_ACCESS_TOKEN_EXPIRES=settings.jwt_access_minutes * 60,
        JWT_REFRESH_TOKEN_EXPIRES=settings.jwt_refresh_days * 24 * 3600,
        JWT_TOKEN_LOCATION=["headers"],
        JWT_ALGORITHM="HS256",
        JWT_DECODE_ALGORITHMS=["HS256"],
        JWT_ERROR_MESSAGE_KEY="message",
    )
    jwt.init_app(app)

    @jwt.token_in_blocklist_loader
    def _revoked(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
        return is_revoked(services().redis, payload)

    jwt.additional_claims_loader(lambda _identity: issued_claims())

    @jwt.revoked_token_loader
    def _on_revoked(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return error_response(401, "token_revoked", "This token was revoked. Sign in again.")

    @jwt.expired_token_loader
    def _on_expired(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return error_response(401, "token_expired", "This token has expired. Refresh it or sign in again.")

    @jwt.invalid_token_loader
    def _on_invalid(reason: str) -> Response:
        return error_response(401, "invalid_token", f"The token is not valid: {reason}.")

    @jwt.unauthorized_loader
    def _on_missing(reason: str) -> Response:
        return error_response(401, "unauthorized", f"Sign in first: {reason}.")

    @jwt.needs_fresh_token_loader
    def _on_stale(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return error_response(401, "fresh_token_required", "Sign in again to do this.")


def current_email() -> str:
    """The e-mail of the signed-in user (the partition of all their data); call inside `@jwt_required()`."""
    email = str(get_jwt_identity())
    user_var.set(user_hash(email))
    return email


def current_user() -> User:
    """The signed-in user's record; 401 when the account no longer exists."""
    try:
        return services().store.get_user(current_email())
    except NotFound as exc:
        raise ApiError(401, "unauthorized", "This account no longer exists.") from exc
