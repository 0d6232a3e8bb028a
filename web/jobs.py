"""Jobs: what the browser polls while a document is analysed or exported."""

from __future__ import annotations

from flask import Blueprint, Response, stream_with_context
from flask_jwt_extended import jwt_required
from pydantic import BaseModel
from pydantic.json_schema import SkipJsonSchema
from werkzeug.utils import secure_filename

from common import jobs
from common.models import Job, JobKind, JobStatus, utcnow
from common.public import JobPublic
from common.store import NotFound
from web.api import declare
from web.deps import current_email
from web.errors import ApiError
from web.polling import answer_poll
from web.services import services
from web.validation import Query

bp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs")


class JobFilter(Query):
    status: JobStatus | SkipJsonSchema[None] = None
    kind: JobKind | SkipJsonSchema[None] = None


class JobList(BaseModel):
    items: list[JobPublic]


class JobAnswer(BaseModel):
    job: JobPublic


def owned_job(owner_email: str, job_id: str) -> Job:
    """The caller's job; 404 when it is missing or someone else's."""
    try:
        return services().store.get_job(owner_email, job_id)
    except NotFound as exc:
        raise ApiError(404, "not_found", "No such job.") from exc


@bp.get("")
@jwt_required()
@declare("jobs", {200: JobList})
def list_jobs(query: JobFilter) -> JobList:
    """The caller's jobs, newest first, optionally by status and kind."""
    found = services().store.list_jobs(current_email(), status=query.status, kind=query.kind)
    return JobList(items=[JobPublic.of(j) for j in found])


@bp.get("/<job_id>")
@declare("jobs", {200: JobPublic, 304: None}, (404,), validate=False)
def get_job(job_id: str) -> Response:
    """One job, answered 304 when the browser's ETag still matches; one Redis round trip checks the token,
    counts the poll against RATE_LIMIT_POLL and reads the job's published view (`web.polling`). Its body is
    `JobPublic` as the job's writer serialized it, so it is not validated again on every poll."""
    return answer_poll(job_id)


@bp.post("/<job_id>/cancel")
@jwt_required()
@declare("jobs", {202: JobAnswer}, (404, 409))
def cancel_job(job_id: str) -> tuple[JobAnswer, int]:
    """Stop a job that has not finished."""
    owner = current_email()
    job = owned_job(owner, job_id)
    if job.status.finished:
        raise ApiError(409, "already_finished", f"The job has already {job.status}.")
    job = jobs.cancel(services().store, owner, job_id)
    if job.status is not JobStatus.CANCELED:
        raise ApiError(409, "already_finished", f"The job has already {job.status}.")
    return JobAnswer(job=JobPublic.of(job)), 202


@bp.get("/<job_id>/download")
@jwt_required()
@declare("jobs", {200: None}, (404, 409, 410), media={200: "application/zip"})
def download(job_id: str) -> Response:
    """The export ZIP, streamed."""
    owner = current_email()
    job = owned_job(owner, job_id)
    if job.kind is not JobKind.EXPORT:
        raise ApiError(404, "not_found", "This job has nothing to download.")
    if job.status is not JobStatus.SUCCEEDED:
        raise ApiError(409, "not_ready", "The export is not ready yet; poll the job.")
    svc = services()
    expired = job.expires_at is not None and job.expires_at <= utcnow()
    if expired or not job.result_blob or not svc.blobs.exists(job.result_blob):
        raise ApiError(410, "expired", "This export has expired; export the document again.")
    try:
        doc_name = svc.store.get_document(owner, job.document_id).filename
    except NotFound:
        doc_name = "document"
    response = Response(
        stream_with_context(svc.blobs.open_chunks(job.result_blob)),
        mimetype="application/zip",
        direct_passthrough=True,
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name(doc_name)}"'
    if job.result_bytes is not None:
        response.headers["Content-Length"] = str(job.result_bytes)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def download_name(filename: str) -> str:
    """`<stem>-review.zip` for a Content-Disposition header: werkzeug's secure_filename of the upload's stem
    (ASCII letters, digits, dot, dash, underscore), or `contract` when nothing of it is left (all non-ASCII)."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{secure_filename(stem)[:80] or 'contract'}-review.zip"
