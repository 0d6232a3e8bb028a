"""The extraction stage: a stored upload in, its text page by page out, and which pages need OCR.

Permanent problems with the file itself raise ExtractionError with a code from CONTRACT.md and a message for a
person. Anything else (a missing file, a full disk) propagates: it is not the user's file that is at fault.

PDF text comes from PDFium (`worker.pdf_text`, with filled-in form values), DOCX from a streaming read of its
XML (`worker.docx_text`, tracked changes accepted), TXT as decoded. A PDF page with no text layer that paints
an image, and every page of an uploaded image, is left empty and listed in `ocr_pages` for the OCR step
(`worker.ocr`); `no_text` is raised here only when there is neither text nor anything OCR could read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from common.filetypes import ACCEPTED_IN_WORDS, DOCX, IMAGE_TYPES, PDF, TXT, decode_text
from worker.docx_text import read_docx
from worker.extract_errors import (
    FILE_CORRUPT,
    NO_TEXT,
    PDF_ENCRYPTED,
    TOO_MANY_PAGES,
    UNSUPPORTED_TYPE,
    ExtractionError,
    check_page_count,
    has_visible_chars,
)
from worker.images import count_frames
from worker.pages import PAGE_CHARS, paginate
from worker.pdf_text import read_pdf

__all__ = [
    "FILE_CORRUPT",
    "MIN_PDF_TEXT_CHARS",
    "NO_TEXT",
    "PAGE_CHARS",
    "PDF_ENCRYPTED",
    "TOO_MANY_PAGES",
    "UNSUPPORTED_TYPE",
    "Extracted",
    "ExtractionError",
    "extract_text",
    "no_text",
]

# A text layer with less than this (page numbers, a stray mark) is a scan, not a contract's text.
MIN_PDF_TEXT_CHARS = 20
_NUL_REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Extracted:
    pages: list[str]
    page_count: int
    ocr_pages: list[int] = field(default_factory=list)  # 0-based pages left for OCR to read
    has_tracked_changes: bool = False


def extract_text(
    path: Path,
    content_type: str,
    *,
    max_pages: int = 10_000,
    max_uncompressed_bytes: int = 200 * 1024 * 1024,
) -> Extracted:
    has_tracked_changes = False
    ocr_pages: list[int] = []
    if content_type == PDF:
        pdf = read_pdf(path, max_pages, MIN_PDF_TEXT_CHARS)
        pages, ocr_pages = pdf.pages, pdf.ocr_pages
        min_chars = MIN_PDF_TEXT_CHARS
    elif content_type == DOCX:
        docx = read_docx(path, max_pages, max_uncompressed_bytes)
        pages, has_tracked_changes = docx.pages, docx.has_tracked_changes
        min_chars = 1
    elif content_type == TXT:
        pages = _extract_txt(path, max_pages)
        min_chars = 1
    elif content_type in IMAGE_TYPES:
        frames = count_frames(path, max_pages)
        pages, ocr_pages = [""] * frames, list(range(frames))
        min_chars = 1
    else:
        raise ExtractionError(
            UNSUPPORTED_TYPE,
            f"This kind of file cannot be analysed; upload {ACCEPTED_IN_WORDS}.",
        )
    check_page_count(len(pages), max_pages)
    if not ocr_pages and not has_visible_chars(pages, min_chars):
        raise no_text(content_type)
    clean = [page.replace("\x00", _NUL_REPLACEMENT) for page in pages]
    return Extracted(clean, len(clean), ocr_pages, has_tracked_changes)


def _extract_txt(path: Path, max_pages: int) -> list[str]:
    text = decode_text(path.read_bytes())
    if "\f" in text:
        pages = text.split("\f")
        # A final form feed ends the last page; it does not start an empty one.
        return pages[:-1] if len(pages) > 1 and not pages[-1].strip() else pages
    return paginate(text.splitlines(keepends=True), joiner="", max_pages=max_pages)


def no_text(content_type: str) -> ExtractionError:
    if content_type == PDF:
        message = (
            "This PDF has no text we can read, not even by text recognition (OCR) of its pages. If it is a "
            "scan, scan it again more sharply and upload the result."
        )
    elif content_type in IMAGE_TYPES:
        message = "No text could be recognised in this image; photograph or scan the page again more sharply."
    else:
        message = "This file contains no text to analyse."
    return ExtractionError(NO_TEXT, message)
