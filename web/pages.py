"""The browser app's entry points: `/` and the e-mail verification link, both served from `static/`."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("pages", __name__)


def _index() -> Response:
    response = send_from_directory(current_app.static_folder or "static", "index.html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
def index() -> Response:
    """The single-page app."""
    return _index()


@bp.get("/verify-email")
def verify_email_page() -> Response:
    """The link from the verification e-mail: the app reads the token and completes it through the API."""
    return _index()
