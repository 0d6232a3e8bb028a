"""Documents: upload, list, read, delete, and the analysis of each."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, Response, jsonify, request
from flask_jwt_extended import jwt_required
from pydantic import Field

from common import documents, jobs
from common.analysis import Analysis, Feedback, Recommendation, Verdict
from common.calendar import deadlines_ics
from common.documents import original_blob
from common.framing import frame, match_role
from common.models import Document, DocumentStatus, utcnow
from common.store import NotFound
from common.telemetry import EXPORTS, FEEDBACK
from web.deps import current_email
from web.errors import ApiError
from web.services import services
from web.uploads import display_name, receive
from web.validation import Body, parse_body

bp = Blueprint("documents", __name__, url_prefix="/api/v1/documents")

MAX_PAGE = 100
DEFAULT_PAGE = 20


def owned_document(owner_email: str, doc_id: str) -> Document:
    """The caller's document; 404 when it is missing or someone else's (the two look the same)."""
    try:
        return services().store.get_document(owner_email, doc_id)
    except NotFound as exc:
        raise ApiError(404, "not_found", "No such document.") from exc


@bp.post("")
@jwt_required()
def upload() -> tuple[Response, int, dict[str, str]]:
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
    return jsonify(document=doc.public(), job=job.public()), 202, headers


@bp.get("")
@jwt_required()
def list_documents() -> Response:
    """The caller's documents, newest first, a page at a time."""
    owner = current_email()
    limit_arg = request.args.get("limit", str(DEFAULT_PAGE))
    if not limit_arg.isdigit() or not 1 <= int(limit_arg) <= MAX_PAGE:
        raise ApiError(400, "invalid_request", f"limit must be a whole number from 1 to {MAX_PAGE}.")
    try:
        page = services().store.list_documents(owner, int(limit_arg), request.args.get("cursor") or None)
    except ValueError as exc:
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API gave out.") from exc
    return jsonify(items=[d.public() for d in page.items], next_cursor=page.next_cursor)


@bp.get("/<doc_id>")
@jwt_required()
def get_document(doc_id: str) -> Response:
    """One document."""
    return jsonify(owned_document(current_email(), doc_id).public())


def ready_analysis(doc: Document) -> Analysis:
    """The document's analysis; 409 `not_ready` while there is none."""
    if doc.analysis is None:
        if doc.status is DocumentStatus.FAILED:
            raise ApiError(409, "not_ready", "The analysis failed; see the document's latest job for why.")
        raise ApiError(409, "not_ready", "The analysis is not ready yet; poll the document's latest job.")
    return doc.analysis


@bp.get("/<doc_id>/analysis")
@jwt_required()
def get_analysis(doc_id: str) -> Response:
    """The analysis of a document, once it is ready."""
    return jsonify(ready_analysis(owned_document(current_email(), doc_id)).public())


class PerspectiveBody(Body):
    role: str = Field(min_length=1, max_length=200)


@bp.put("/<doc_id>/perspective")
@jwt_required()
def set_perspective(doc_id: str) -> Response:
    """Say which party you are; the stored findings are re-framed for that side at once."""
    body = parse_body(PerspectiveBody)
    owner = current_email()
    role = match_role(ready_analysis(owned_document(owner, doc_id)), body.role)
    if role is None:
        raise ApiError(400, "unknown_role", "No party of this contract has that role.")

    def change(fresh: Document) -> None:
        fresh.analysis = frame(ready_analysis(fresh), role)

    doc = jobs.mutate_document(services().store, owner, doc_id, change)
    return jsonify(ready_analysis(doc).public())


@bp.get("/<doc_id>/deadlines.ics")
@jwt_required()
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
def give_feedback(doc_id: str, rec_id: str) -> Response:
    """Accept, reject or edit one recommendation; the latest verdict wins."""
    body = parse_body(FeedbackBody)
    if body.verdict == "edited" and not (body.edited_text or "").strip():
        raise ApiError(400, "invalid_request", "An edited verdict needs edited_text.")
    owner = current_email()
    doc = owned_document(owner, doc_id)
    if doc.analysis is None:
        raise ApiError(409, "not_ready", "The analysis is not ready yet.")
    if not any(r.id == rec_id for r in doc.analysis.recommendations):
        raise ApiError(404, "not_found", "No such recommendation.")
    feedback = Feedback(verdict=body.verdict, comment=body.comment, edited_text=body.edited_text, at=utcnow())
    found: list[Recommendation] = []

    def change(fresh: Document) -> None:
        assert fresh.analysis is not None
        for rec in fresh.analysis.recommendations:
            if rec.id == rec_id:
                rec.feedback = feedback
                found.append(rec)

    jobs.mutate_document(services().store, owner, doc_id, change)
    if services().settings.enable_export_tracking:
        FEEDBACK.labels(body.verdict).inc()
    return jsonify(recommendation=found[0].model_dump(mode="json"))


@bp.post("/<doc_id>/exports")
@jwt_required()
def create_export(doc_id: str) -> tuple[Response, int, dict[str, str]]:
    """Start building the export ZIP of an analysed document."""
    body = parse_body(ExportBody)
    owner = current_email()
    svc = services()
    doc = owned_document(owner, doc_id)
    if doc.analysis is None:
        raise ApiError(409, "not_ready", "The analysis is not ready yet; export it once it is.")
    job = documents.start_export(svc.store, svc.celery, doc, include_original=body.include_original)
    if svc.settings.enable_export_tracking:
        EXPORTS.inc()
    return jsonify(job=job.public()), 202, {"Location": f"/api/v1/jobs/{job.id}"}


@bp.delete("/<doc_id>")
@jwt_required()
def delete_document(doc_id: str) -> tuple[str, int]:
    """Delete a document with its files and jobs."""
    svc = services()
    documents.delete_document(svc.store, svc.blobs, owned_document(current_email(), doc_id))
    return "", 204
