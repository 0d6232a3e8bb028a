"""The browser app's entry points: `/` and the e-mail verification link, both served from `static/`,
and the little the app must learn from the server before it starts (`/api/v1/config`)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory
from pydantic import BaseModel

from web.api import declare
from web.services import services

bp = Blueprint("pages", __name__)


def _index() -> Response:
    response = send_from_directory(current_app.static_folder or "static", "index.html")
    response.headers["Cache-Control"] = "no-cache"
    return response


class AppConfig(BaseModel):
    recaptcha_site_key: str | None
    max_upload_mb: int


_page = declare("pages", {200: None}, auth=False, api=False, media={200: "text/html"})


@bp.get("/")
@_page
def index() -> Response:
    """The single-page app."""
    return _index()


@bp.get("/verify-email")
@_page
def verify_email_page() -> Response:
    """The link from the verification e-mail: the app reads the token and completes it through the API."""
    return _index()


@bp.get("/reset-password")
@_page
def reset_password_page() -> Response:
    """The link from the password-reset e-mail: the app asks for the new password and sends it with the token."""
    return _index()


@bp.get("/api/v1/config")
@declare("pages", {200: AppConfig}, auth=False)
def app_config() -> AppConfig:
    """Public settings the browser app needs: the reCAPTCHA v3 site key (null when off) and the upload limit."""
    settings = services().settings
    return AppConfig(
        recaptcha_site_key=settings.recaptcha_site_key or None, max_upload_mb=settings.max_upload_mb
    )
