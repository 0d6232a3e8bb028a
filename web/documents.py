"""Documents: upload, list, read, delete, and the analysis of each."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from flask import Blueprint, Response, request
from flask_jwt_extended import jwt_required
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from common import documents, jobs
from common.analysis import Analysis, AnalysisPublic, Feedback, Recommendation, Verdict
from common.calendar import deadlines_ics
from common.documents import original_blob
from common.filetypes import ACCEPTED_IN_WORDS
from common.framing import frame, match_role
from common.models import Document, DocumentStatus, utcnow
from common.public import DocumentPublic, JobPublic
from common.store import NotFound
from common.telemetry import EXPORTS, FEEDBACK
from web.api import declare
from web.deps import current_email
from web.errors import ApiError
from web.jobs import JobAnswer
from web.services import services
from web.uploads import display_name, receive
from web.validation import Body, Query

bp = Blueprint("documents", __name__, url_prefix="/api/v1/documents")

MAX_PAGE = 100
DEFAULT_PAGE = 20


class UploadForm(BaseModel):
    """The multipart upload: the contract in the field `file` (without it the view answers 400 `no_file`)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"required": ["file"]})

    file: Annotated[
        object,
        WithJsonSchema(
            {"type": "string", "format": "binary", "description": f"The contract: {ACCEPTED_IN_WORDS}."}
        ),
    ] = None


class UploadAnswer(BaseModel):
    document: DocumentPublic
    job: JobPublic


class PageQuery(Query):
    limit: int = Field(default=DEFAULT_PAGE, ge=1, le=MAX_PAGE)
    cursor: Annotated[str, StringConstraints(max_length=512)] | SkipJsonSchema[None] = Field(
        default=None, description="`next_cursor` of the page before; empty or absent: the first page."
    )


class DocumentPage(BaseModel):
    items: list[DocumentPublic]
    next_cursor: str | None = Field(description="null on the last page.")


class RecommendationAnswer(BaseModel):
    recommendation: Recommendation


def owned_document(owner_email: str, doc_id: str) -> Document:
    """The caller's document; 404 when it is missing or someone else's (the two look the same)."""
    try:
        return services().store.get_document(owner_email, doc_id)
    except NotFound as exc:
        raise ApiError(404, "not_found", "No such document.") from exc


@bp.post("")
@jwt_required()
@declare("documents", {202: UploadAnswer}, (400, 413, 415), form=UploadForm)
def upload() -> tuple[UploadAnswer, int, dict[str, str]]:
    """Accept a contract and start its analysis."""
    owner = current_email()
    svc = services()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "no_file", "Attach the contract as the multipart field 'file'.")
    with tempfile.TemporaryDirectory(prefix="kraftd-upload-") as tmp:
        received = receive(upload.stream, Path(tmp) / "upload", svc.settings.max_upload_bytes)
        doc = Document(
            owner_email=owner,
            filename=display_name(upload.filename),
            content_type=received.content_type,
            size_bytes=received.size,
            sha256=received.sha256,
            blob_name="",
        )
        doc.blob_name = original_blob(owner, doc.id)
        svc.blobs.upload_file(doc.blob_name, received.path, received.content_type, received.sha256)
    job = documents.start_analysis(svc.store, svc.blobs, svc.celery, doc)
    headers = {"Location": f"/api/v1/jobs/{job.id}"}
    return UploadAnswer(document=DocumentPublic.of(doc), job=JobPublic.of(job)), 202, headers


@bp.get("")
@jwt_required()
@declare("documents", {200: DocumentPage})
def list_documents(query: PageQuery) -> DocumentPage:
    """The caller's documents, newest first, a page at a time."""
    try:
        page = services().store.list_documents(current_email(), query.limit, query.cursor or None)
    except ValueError as exc:
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API gave out.") from exc
    return DocumentPage(items=[DocumentPublic.of(d) for d in page.items], next_cursor=page.next_cursor)


@bp.get("/<doc_id>")
@jwt_required()
@declare("documents", {200: DocumentPublic}, (404,))
def get_document(doc_id: str) -> DocumentPublic:
    """One document."""
    return DocumentPublic.of(owned_document(current_email(), doc_id))


def ready_analysis(doc: Document) -> Analysis:
    """The document's analysis; 409 `not_ready` while there is none."""
    if doc.analysis is None:
        if doc.status is DocumentStatus.FAILED:
            raise ApiError(409, "not_ready", "The analysis failed; see the document's latest job for why.")
        raise ApiError(409, "not_ready", "The analysis is not ready yet; poll the document's latest job.")
    return doc.analysis


@bp.get("/<doc_id>/analysis")
@jwt_required()
@declare("documents", {200: AnalysisPublic}, (404, 409))
def get_analysis(doc_id: str) -> AnalysisPublic:
    """The analysis of a document, once it is ready."""
    return ready_analysis(owned_document(current_email(), doc_id)).public()


class PerspectiveBody(Body):
    role: str = Field(min_length=1, max_length=200)


@bp.put("/<doc_id>/perspective")
@jwt_required()
@declare("documents", {200: AnalysisPublic}, (404, 409))
def set_perspective(doc_id: str, json: PerspectiveBody) -> AnalysisPublic:
    """Say which party you are; the stored findings are re-framed for that side at once."""
    owner = current_email()
    role = match_role(ready_analysis(owned_document(owner, doc_id)), json.role)
    if role is None:
        raise ApiError(400, "unknown_role", "No party of this contract has that role.")

    def change(fresh: Document) -> None:
        fresh.analysis = frame(ready_analysis(fresh), role)

    doc = jobs.mutate_document(services().store, owner, doc_id, change)
    return ready_analysis(doc).public()


@bp.get("/<doc_id>/deadlines.ics")
@jwt_required()
@declare("documents", {200: None}, (404, 409), media={200: "text/calendar"})
def get_deadlines_calendar(doc_id: str) -> Response:
    """The contract's dated deadlines as a calendar file."""
    doc = owned_document(current_email(), doc_id)
    body = deadlines_ics(ready_analysis(doc), doc.filename, utcnow())
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'attachment; filename="deadlines.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


class FeedbackBody(Body):
    verdict: Verdict
    comment: str | None = Field(default=None, max_length=5000)
    edited_text: str | None = Field(default=None, max_length=5000)


class ExportBody(Body):
    include_original: bool = True


@bp.put("/<doc_id>/recommendations/<rec_id>/feedback")
@jwt_required()
@declare("documents", {200: RecommendationAnswer}, (404, 409))
def give_feedback(doc_id: str, rec_id: str, json: FeedbackBody) -> RecommendationAnswer:
    """Accept, reject or edit one recommendation; the latest verdict wins."""
    if json.verdict == "edited" and not (json.edited_text or "").strip():
        raise ApiError(400, "invalid_request", "An edited verdict needs edited_text.")
    owner = current_email()
    doc = owned_document(owner, doc_id)
    if doc.analysis is None:
        raise ApiError(409, "not_ready", "The analysis is not ready yet.")
    if not any(r.id == rec_id for r in doc.analysis.recommendations):
        raise ApiError(404, "not_found", "No such recommendation.")
    feedback = Feedback(verdict=json.verdict, comment=json.comment, edited_text=json.edited_text, at=utcnow())
    found: list[Recommendation] = []

    def change(fresh: Document) -> None:
        assert fresh.analysis is not None
        for rec in fresh.analysis.recommendations:
            if rec.id == rec_id:
                rec.feedback = feedback
                found.append(rec)

    jobs.mutate_document(services().store, owner, doc_id, change)
    if services().settings.enable_export_tracking:
        FEEDBACK.labels(json.verdict).inc()
    return RecommendationAnswer(recommendation=found[0])


@bp.post("/<doc_id>/exports")
@jwt_required()
@declare("documents", {202: JobAnswer}, (404, 409))
def create_export(doc_id: str, json: ExportBody) -> tuple[JobAnswer, int, dict[str, str]]:
    """Start building the export ZIP of an analysed document."""
    owner = current_email()
    svc = services()
    doc = owned_document(owner, doc_id)
    if doc.analysis is None:
        raise ApiError(409, "not_ready", "The analysis is not ready yet; export it once it is.")
    job = documents.start_export(svc.store, svc.celery, doc, include_original=json.include_original)
    if svc.settings.enable_export_tracking:
        EXPORTS.inc()
    return JobAnswer(job=JobPublic.of(job)), 202, {"Location": f"/api/v1/jobs/{job.id}"}


@bp.delete("/<doc_id>")
@jwt_required()
@declare("documents", {204: None}, (404,))
def delete_document(doc_id: str) -> tuple[str, int]:
    """Delete a document with its files and jobs."""
    svc = services()
    documents.delete_document(svc.store, svc.blobs, owned_document(current_email(), doc_id))
    return "", 204
