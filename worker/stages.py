"""The work of each step against the store and the blobs: load the inputs, call the stage function, save."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from datetime import timedelta
from pathlib import Path

from common import documents
from common.analysis import Analysis, Usage
from common.blobs import CHUNK
from common.framing import frame
from common.jobs import Unchanged, mutate_document, mutate_job
from common.models import Document, DocumentStatus, Job, utcnow
from common.public import DocumentPublic, JobPublic
from common.stages import stage
from common.store import NotFound
from common.telemetry import LLM_COST, LLM_TOKENS
from worker.analyze import analyze
from worker.errors import PermanentError, TransientError
from worker.export import ExportRequest, build_export
from worker.extract import ExtractionError, extract_text, no_text
from worker.extract_errors import has_visible_chars, too_many_pages
from worker.llm_analyzer import estimate_cost
from worker.ocr import OcrUnavailable, max_ocr_pages, ocr_document
from worker.pagetext import PageText
from worker.runner import StepContext

log = logging.getLogger(__name__)


def _document(ctx: StepContext, job: Job) -> Document:
    try:
        return ctx.store.get_document(job.owner_email, job.document_id)
    except NotFound as exc:
        raise PermanentError(
            "document_deleted", "The document was deleted before it could be processed."
        ) from exc


def extract_step(ctx: StepContext, job: Job) -> str | None:
    """Turn the uploaded file into text, one string per page, saved as JSON beside the original.

    Pages left for OCR (scans, photos) hand the job to the `ocr` stage; otherwise it goes straight on.
    """
    doc = _document(ctx, job)
    text_blob = documents.text_blob(job.owner_email, doc.id)
    if doc.text_blob == text_blob and ctx.blobs.exists(text_blob):
        # Done by an earlier delivery of this step.
        return "ocr" if PageText.from_json(ctx.blobs.read_bytes(text_blob)).ocr_pending else None
    with tempfile.TemporaryDirectory(prefix="kraftd-extract-") as tmp:
        original = Path(tmp) / "original"
        ctx.blobs.download_to(doc.blob_name, original)
        try:
            extracted = extract_text(original, doc.content_type)
        except ExtractionError as exc:
            raise PermanentError(exc.code, exc.message) from exc
    text = PageText(extracted.pages, extracted.ocr_pages, has_tracked_changes=extracted.has_tracked_changes)
    ctx.blobs.upload_bytes(text_blob, text.to_json(), "application/json")

    def change(fresh: Document) -> None:
        fresh.text_blob = text_blob
        fresh.page_count = len(text.pages)
        if fresh.status is DocumentStatus.QUEUED:
            fresh.status = DocumentStatus.PROCESSING

    mutate_document(ctx.store, job.owner_email, doc.id, change)
    return "ocr" if text.ocr_pending else None


def ocr_step(ctx: StepContext, job: Job) -> None:
    """Read the pages extraction left for OCR (scans, photos) and save them into the document's text."""
    doc = _document(ctx, job)
    if not doc.text_blob:
        raise PermanentError("text_missing", "The document's text was not extracted; upload it again.")
    text = PageText.from_json(ctx.blobs.read_bytes(doc.text_blob))
    if not text.ocr_pending:
        return  # nothing to read, or done by an earlier delivery of this step
    with tempfile.TemporaryDirectory(prefix="kraftd-ocr-") as tmp:
        original = Path(tmp) / "original"
        ctx.blobs.download_to(doc.blob_name, original)
        text = _read_by_ocr(ctx, job, original, doc.content_type, text)
    ctx.blobs.upload_bytes(doc.text_blob, text.to_json(), "application/json")


def _read_by_ocr(ctx: StepContext, job: Job, original: Path, content_type: str, text: PageText) -> PageText:
    """The text with its pending pages read by OCR, moving the job's progress on after every page."""
    ocr = stage("ocr")
    start, end = ocr.progress
    # A scan longer than the step's time limit allows fails now, clearly, not after timing out every attempt.
    most = max_ocr_pages(ocr.soft_time_limit)
    if len(text.ocr_pending) > most:
        error = too_many_pages(f"{len(text.ocr_pending)} scanned", most)
        raise PermanentError(error.code, error.message)

    def on_page(done: int, total: int) -> None:
        progress = start + (end - start) * done // max(total, 1)

        def advance(fresh: Job) -> None:
            if fresh.progress >= progress:
                raise Unchanged
            fresh.progress = progress

        mutate_job(ctx.store, job.owner_email, job.id, advance)

    try:
        read = ocr_document(original, content_type, text.ocr_pending, on_page=on_page)
    except ExtractionError as exc:
        raise PermanentError(exc.code, exc.message) from exc
    except OcrUnavailable as exc:
        # Retried with backoff; once its attempts are used up the job fails marked transient, for retry-failed.
        raise TransientError("ocr_unavailable", "Text recognition is not available right now.") from exc
    pages = [read.get(number, page) for number, page in enumerate(text.pages)]
    if not has_visible_chars(pages, 1):
        error = no_text(content_type)
        raise PermanentError(error.code, error.message)
    return PageText(pages, [], ocr=True, has_tracked_changes=text.has_tracked_changes)


def export_step(ctx: StepContext, job: Job) -> None:
    """Build the export ZIP in a temporary file, store it, and record its size, checksum and expiry on the job."""
    doc = _document(ctx, job)
    if doc.analysis is None:
        raise PermanentError("not_ready", "The document has no analysis to export yet.")
    name = documents.export_blob(job.owner_email, doc.id, job.id)
    with tempfile.TemporaryDirectory(prefix="kraftd-export-") as tmp:
        original = None
        if job.include_original:
            original = Path(tmp) / "original"
            ctx.blobs.download_to(doc.blob_name, original)
        archive = Path(tmp) / "export.zip"
        build_export(
            archive,
            ExportRequest(
                document=DocumentPublic.of(doc).model_dump(mode="json"),
                job=JobPublic.of(job).model_dump(mode="json"),
                filename=doc.filename,
                analysis=doc.analysis,
                include_ai=ctx.settings.enable_ai_export,
                generated_at=utcnow(),
                original=original,
            ),
        )
        digest = hashlib.sha256()
        with archive.open("rb") as source:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
        size = archive.stat().st_size
        ctx.blobs.upload_file(name, archive, "application/zip", digest.hexdigest())

    def record(fresh: Job) -> None:
        fresh.result_blob = name
        fresh.result_bytes = size
        fresh.result_sha256 = digest.hexdigest()
        fresh.expires_at = utcnow() + timedelta(days=ctx.settings.export_ttl_days)

    mutate_job(ctx.store, job.owner_email, job.id, record)


def _record_usage(ctx: StepContext, job: Job, analysis: Analysis, usage: Usage) -> None:
    """The LLM's tokens and estimated cost: on the job's analyze step, in the metrics, and in the log."""
    model = analysis.model or "unknown"
    cost = estimate_cost(analysis.model, usage)
    LLM_TOKENS.labels("input", model).inc(usage.input_tokens)
    LLM_TOKENS.labels("output", model).inc(usage.output_tokens)
    if cost is not None:
        LLM_COST.labels(model).inc(cost)
    log.info(
        "document %s analysed by %s: %d input + %d output tokens, estimated cost %s",
        analysis.document_id,
        model,
        usage.input_tokens,
        usage.output_tokens,
        "unknown" if cost is None else f"${cost:.4f}",
    )

    def record(fresh: Job) -> None:
        step = fresh.step("analyze")
        step.input_tokens = usage.input_tokens
        step.output_tokens = usage.output_tokens
        step.cost_usd = cost

    mutate_job(ctx.store, job.owner_email, job.id, record)


def analyze_step(ctx: StepContext, job: Job) -> None:
    """Analyse the extracted text and keep the result on the document."""
    doc = _document(ctx, job)
    if doc.analysis is not None and doc.status is DocumentStatus.ANALYZED:
        return
    if not doc.text_blob:
        raise PermanentError("text_missing", "The document's text was not extracted; upload it again.")
    text = PageText.from_json(ctx.blobs.read_bytes(doc.text_blob))
    if text.ocr_pending:
        raise PermanentError("text_missing", "The document's scanned pages were not read; upload it again.")
    analysis = analyze(text.pages, doc.id, ctx.settings)
    if text.ocr or text.has_tracked_changes:
        # The summary says when the text came from a scan or a redline: framed again with the two facts set.
        analysis.ocr = True if text.ocr else None
        analysis.has_tracked_changes = True if text.has_tracked_changes else None
        analysis = frame(analysis, analysis.perspective)
    if analysis.usage is not None:
        _record_usage(ctx, job, analysis, analysis.usage)

    def change(fresh: Document) -> None:
        if fresh.status is DocumentStatus.ANALYZED and fresh.analysis is not None:
            raise Unchanged
        fresh.analysis = analysis
        fresh.status = DocumentStatus.ANALYZED

    mutate_document(ctx.store, job.owner_email, doc.id, change)
