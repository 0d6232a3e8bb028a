"""Jobs: what the browser polls while a document is analysed or exported."""

from __future__ import annotations

import contextlib

from flask import Blueprint, Response, jsonify, request
from flask_jwt_extended import jwt_required

from common import jobs
from common.models import Document, DocumentStatus, Job, JobKind, JobStatus
from common.store import NotFound
from web.deps import current_email
from web.errors import ApiError
from web.extensions import limiter
from web.services import services

bp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs")


def owned_job(owner_email: str, job_id: str) -> Job:
    """The caller's job; 404 when it is missing or someone else's."""
    try:
        return services().store.get_job(owner_email, job_id)
    except NotFound as exc:
        raise ApiError(404, "not_found", "No such job.") from exc


def _poll_limit() -> str:
    return services().settings.rate_limit_poll


@bp.get("")
@jwt_required()
def list_jobs() -> Response:
    """The caller's jobs, newest first, optionally by status and kind."""
    try:
        status = JobStatus(request.args["status"]) if request.args.get("status") else None
        kind = JobKind(request.args["kind"]) if request.args.get("kind") else None
    except ValueError as exc:
        raise ApiError(400, "invalid_request", f"Unknown filter value: {exc}.") from exc
    found = services().store.list_jobs(current_email(), status=status, kind=kind)
    return jsonify(items=[j.public() for j in found])


@bp.get("/<job_id>")
@jwt_required()
@limiter.limit(_poll_limit)
def get_job(job_id: str) -> Response:
    """One job: a single point read, answered 304 when the browser's ETag still matches."""
    job = owned_job(current_email(), job_id)
    response = jsonify(job.public())
    response.set_etag(job.version)
    response.headers["Cache-Control"] = "private, no-cache"
    response.make_conditional(request)
    return response


@bp.post("/<job_id>/cancel")
@jwt_required()
def cancel_job(job_id: str) -> tuple[Response, int]:
    """Stop a job that has not finished."""
    owner = current_email()
    job = owned_job(owner, job_id)
    if job.status.finished:
        raise ApiError(409, "already_finished", f"The job has already {job.status}.")
    job = jobs.cancel(services().store, owner, job_id)
    if job.status is not JobStatus.CANCELED:
        raise ApiError(409, "already_finished", f"The job has already {job.status}.")
    if job.kind is JobKind.ANALYSIS:
        _mark_document_canceled(owner, job)
    return jsonify(job=job.public()), 202


def _mark_document_canceled(owner_email: str, job: Job) -> None:
    """A document whose analysis was canceled will not be analysed: say so rather than 'processing'."""

    def change(doc: Document) -> None:
        if doc.latest_job_id != job.id or doc.status is DocumentStatus.ANALYZED:
            raise jobs.Unchanged
        doc.status = DocumentStatus.FAILED

    with contextlib.suppress(NotFound):
        jobs.mutate_document(services().store, owner_email, job.document_id, change)
