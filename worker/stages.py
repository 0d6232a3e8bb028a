"""The work of each step against the store and the blobs: load the inputs, call the stage function, save."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from common.analysis import Usage
from common.blobs import blob_name
from common.jobs import Unchanged, mutate_document, mutate_job
from common.models import Document, DocumentStatus, Job
from common.store import NotFound
from worker.analyze import analyze
from worker.errors import PermanentError
from worker.extract import ExtractionError, extract_text
from worker.runner import StepContext


def _document(ctx: StepContext, job: Job) -> Document:
    try:
        return ctx.store.get_document(job.owner_email, job.document_id)
    except NotFound as exc:
        raise PermanentError(
            "document_deleted", "The document was deleted before it could be processed."
        ) from exc


def extract_step(ctx: StepContext, job: Job) -> None:
    """Turn the uploaded file into text, one string per page, saved as JSON beside the original."""
    doc = _document(ctx, job)
    text_blob = blob_name(job.owner_email, "documents", doc.id, "text.json")
    if doc.text_blob == text_blob and ctx.blobs.exists(text_blob):
        return  # done by an earlier delivery of this step
    with tempfile.TemporaryDirectory(prefix="kraftd-extract-") as tmp:
        original = Path(tmp) / "original"
        ctx.blobs.download_to(doc.blob_name, original)
        try:
            extracted = extract_text(original, doc.content_type)
        except ExtractionError as exc:
            raise PermanentError(exc.code, exc.message) from exc
    ctx.blobs.upload_bytes(text_blob, json.dumps(extracted.pages).encode(), "application/json")

    def change(fresh: Document) -> None:
        fresh.text_blob = text_blob
        fresh.page_count = extracted.page_count
        if fresh.status is DocumentStatus.QUEUED:
            fresh.status = DocumentStatus.PROCESSING

    mutate_document(ctx.store, job.owner_email, doc.id, change)


def _record_usage(ctx: StepContext, job: Job, usage: Usage) -> None:
    def record(fresh: Job) -> None:
        step = fresh.step("analyze")
        step.input_tokens = usage.input_tokens
        step.output_tokens = usage.output_tokens

    mutate_job(ctx.store, job.owner_email, job.id, record)


def analyze_step(ctx: StepContext, job: Job) -> None:
    """Analyse the extracted text and keep the result on the document."""
    doc = _document(ctx, job)
    if doc.analysis is not None and doc.status is DocumentStatus.ANALYZED:
        return
    if not doc.text_blob:
        raise PermanentError("text_missing", "The document's text was not extracted; upload it again.")
    pages = json.loads(ctx.blobs.read_bytes(doc.text_blob))
    analysis = analyze(pages, doc.id, ctx.settings)
    if analysis.usage is not None:
        _record_usage(ctx, job, analysis.usage)

    def change(fresh: Document) -> None:
        if fresh.status is DocumentStatus.ANALYZED and fresh.analysis is not None:
            raise Unchanged
        fresh.analysis = analysis
        fresh.status = DocumentStatus.ANALYZED

    mutate_document(ctx.store, job.owner_email, doc.id, change)
