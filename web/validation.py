"""Turning request bodies into typed objects at the edge."""

from __future__ import annotations

import json

from email_validator import EmailNotValidError, validate_email
from flask import request
from pydantic import BaseModel, ConfigDict

from web.errors import ApiError


class Body(BaseModel):
    """A JSON request body: strict types, unknown fields ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", str_max_length=10_000)


class Query(BaseModel):
    """A query string: text read as each field's type (`limit=20` is a number), unknown parameters ignored."""

    model_config = ConfigDict(extra="ignore", str_max_length=10_000)


def json_object() -> dict[str, object]:
    """The request's JSON body, `{}` when there is none; 400 `invalid_json` or `invalid_request` otherwise."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if not request.is_json:
        raise ApiError(
            400, "invalid_json", "Send the request body as JSON, with Content-Type: application/json."
        )
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply to be a real body
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_request", "The request body must be a JSON object.")
    return data


def json_field(name: str) -> object:
    """One field of the JSON body, or None (no JSON object, or no such field) — for code that runs before a view."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        return None
    return data.get(name) if isinstance(data, dict) else None


def normalise_email(value: str) -> str:
    """The canonical form of an e-mail address (the user's id); 400 `invalid_email` when it is not one."""
    try:
        checked = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ApiError(400, "invalid_email", f"That is not a valid e-mail address: {exc}") from exc
    return checked.normalized.lower()
