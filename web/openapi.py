"""The OpenAPI 3 description of the API, built from one table of operations and the request models."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel

from web import auth, documents

bp = Blueprint("openapi", __name__)


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    summary: str
    tag: str
    auth: bool = True
    body: type[BaseModel] | None = None
    ok: int = 200
    errors: tuple[int, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


_MULTIPART = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        }
    },
}


def _query(name: str, kind: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind}}


OPERATIONS: tuple[Op, ...] = (
    Op("get", "/healthz", "Liveness", "health", auth=False),
    Op("get", "/readyz", "Readiness of Redis, the store and the blobs", "health", auth=False, errors=(503,)),
    Op("get", "/metrics", "Prometheus metrics", "health", auth=False),
    Op("get", "/api/v1/openapi.json", "This document", "health", auth=False),
    Op("post", "/api/v1/auth/register", "Create an account", "auth", False, auth.RegisterBody, 201, (400, 409)),
    Op("post", "/api/v1/auth/verify-email", "Verify the e-mail address", "auth", False, auth.TokenBody, 200, (400,)),
    Op("post", "/api/v1/auth/resend-verification", "Send the verification e-mail again", "auth", False,
       auth.EmailBody, 202),
    Op("post", "/api/v1/auth/login", "Sign in", "auth", False, auth.LoginBody, 200, (401, 403, 429)),
    Op("post", "/api/v1/auth/mfa/verify", "Finish an MFA sign-in", "auth", False, auth.MfaVerifyBody, 200,
       (401, 429)),
    Op("post", "/api/v1/auth/mfa/setup", "Start MFA setup", "auth", errors=(401, 409)),
    Op("post", "/api/v1/auth/mfa/enable", "Turn MFA on", "auth", body=auth.CodeBody, errors=(401, 409)),
    Op("post", "/api/v1/auth/forgot-password", "E-mail a password-reset link (202 whether or not the account exists)",
       "auth", False, auth.EmailBody, 202),
    Op("post", "/api/v1/auth/reset-password", "Set a new password with the e-mailed token; every session ends", "auth",
       False, auth.ResetBody, 200, (400,)),
    Op("post", "/api/v1/auth/password", "Change the password: a new session, every other one ends", "auth",
       body=auth.PasswordChangeBody, errors=(400, 401, 429)),
    Op("post", "/api/v1/auth/logout-all", "End every session of the account", "auth", ok=204, errors=(401,)),
    Op("post", "/api/v1/auth/mfa/disable", "Turn MFA off", "auth", body=auth.PasswordCodeBody, errors=(401, 409)),
    Op("post", "/api/v1/auth/refresh",
       "New access token from a refresh token: bearer, or the app's `kraftd_refresh` cookie with our `Origin`",
       "auth", errors=(401, 403)),
    Op("post", "/api/v1/auth/logout", "Revoke tokens (and the `kraftd_refresh` cookie)", "auth",
       body=auth.LogoutBody, ok=204, errors=(400, 401, 403)),
    Op("get", "/api/v1/auth/me", "The signed-in account", "auth", errors=(401,)),
    Op("delete", "/api/v1/auth/me", "Delete the account and all it owns", "auth", body=auth.PasswordBody, ok=204,
       errors=(401,)),
    Op("post", "/api/v1/documents", "Upload a contract (multipart field `file`) and start its analysis", "documents",
       ok=202, errors=(400, 401, 413, 415, 503), extra={"requestBody": _MULTIPART}),
    Op("get", "/api/v1/documents", "The caller's documents, newest first (`limit`, `cursor`)", "documents",
       errors=(401,), extra={"parameters": [_query("limit", "integer"), _query("cursor", "string")]}),
    Op("get", "/api/v1/documents/{doc_id}", "One document", "documents", errors=(401, 404)),
    Op("delete", "/api/v1/documents/{doc_id}", "Delete a document, its files and jobs", "documents", ok=204,
       errors=(401, 404)),
    Op("get", "/api/v1/documents/{doc_id}/analysis", "The analysis of a document", "documents",
       errors=(401, 404, 409)),
    Op("put", "/api/v1/documents/{doc_id}/perspective", "Say which party you are; the analysis is re-framed for that side",
       "documents", body=documents.PerspectiveBody, errors=(400, 401, 404, 409)),
    Op("get", "/api/v1/documents/{doc_id}/deadlines.ics", "The dated deadlines as an iCalendar file", "documents",
       errors=(401, 404, 409), extra={"responses_extra": {"200": {"description": "OK", "content": {"text/calendar": {}}}}}),
    Op("put", "/api/v1/documents/{doc_id}/recommendations/{rec_id}/feedback", "Accept, reject or edit a recommendation",
       "documents", body=documents.FeedbackBody, errors=(401, 404, 409)),
    Op("post", "/api/v1/documents/{doc_id}/exports", "Start a ZIP export of the analysis", "documents",
       body=documents.ExportBody, ok=202, errors=(401, 404, 409, 503)),
    Op("get", "/api/v1/jobs/{job_id}/download", "The export ZIP of a finished export job", "jobs",
       errors=(401, 404, 409, 410)),
    Op("get", "/api/v1/jobs", "The caller's jobs (`status`, `kind`)", "jobs", errors=(401,),
       extra={"parameters": [_query("status", "string"), _query("kind", "string")]}),
    Op("get", "/api/v1/jobs/{job_id}", "One job; answers 304 to a matching If-None-Match", "jobs",
       errors=(401, 404), extra={"responses_extra": {"304": {"description": "Not modified"}}}),
    Op("post", "/api/v1/jobs/{job_id}/cancel", "Cancel a job that has not finished", "jobs", ok=202,
       errors=(401, 404, 409)),
    Op("get", "/api/v1/config", "Public settings for the browser app (`recaptcha_site_key`, `max_upload_mb`)", "pages",
       auth=False),
    Op("get", "/", "The browser app", "pages", auth=False),
    Op("get", "/verify-email", "The e-mail verification link (browser app)", "pages", auth=False),
    Op("get", "/reset-password", "The password-reset link (browser app)", "pages", auth=False),
)  # fmt: skip

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}


def _operation(op: Op) -> dict[str, Any]:
    responses: dict[str, Any] = {str(op.ok): {"description": "OK"}}
    for status in sorted({*op.errors, 400, 429, 500} if op.path.startswith("/api/") else op.errors):
        responses[str(status)] = {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    extra = dict(op.extra)
    responses.update(extra.pop("responses_extra", {}))
    body: dict[str, Any] = {"summary": op.summary, "tags": [op.tag], "responses": responses, **extra}
    if op.auth:
        body["security"] = [{"bearer": []}]
    if op.body is not None:
        body["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": op.body.model_json_schema()}},
        }
    return body


@cache
def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        operation = _operation(op)
        params = re.findall(r"{(\w+)}", op.path)
        if params:
            operation.setdefault("parameters", [])
            operation["parameters"] += [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params
            ]
        paths.setdefault(op.path, {})[op.method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kraftd Docs API", "version": "1.0.0"},
        "paths": paths,
        "components": {
            "schemas": {"Error": _ERROR},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


@bp.get("/api/v1/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI 3 document of the whole API."""
    return jsonify(document())
