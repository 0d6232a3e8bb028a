"""The extraction stage: a stored upload in, its text page by page out.

Permanent problems with the file itself raise ExtractionError with a code from CONTRACT.md and a message for a
person. Anything else (a missing file, a full disk) propagates: it is not the user's file that is at fault.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from common.filetypes import DOCX, PDF, TXT, decode_text

FILE_CORRUPT = "file_corrupt"
PDF_ENCRYPTED = "pdf_encrypted"
NO_TEXT = "no_text"
TOO_MANY_PAGES = "too_many_pages"
UNSUPPORTED_TYPE = "unsupported_type"

# DOCX and TXT have no pages of their own; cut them about this long, on paragraph or line boundaries.
PAGE_CHARS = 3000
# A text layer with less than this (page numbers, a stray mark) is a scan without OCR, not a contract.
MIN_PDF_TEXT_CHARS = 20
_NUL_REPLACEMENT = "\ufffd"
# A PdfReader keeps every object it has parsed until it is dropped (~80 KB a page on CUAD filings), so a long
# PDF is read by a fresh reader every so many pages to keep memory flat.
_PDF_PAGES_PER_READER = 100

# pypdf raises its own errors on most damage, but on garbage it can fail anywhere in its parser.
_PDF_PARSER_ERRORS: tuple[type[BaseException], ...] = (
    PyPdfError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    AssertionError,
    RecursionError,
    OverflowError,
    struct.error,
    zlib.error,
)
# XML syntax errors from lxml are SyntaxError subclasses; a missing part is a KeyError.
_DOCX_PARSER_ERRORS: tuple[type[BaseException], ...] = (
    PackageNotFoundError,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    SyntaxError,
    TypeError,
    AttributeError,
    EOFError,
)

# A big entry compressed more than this is a zip bomb, not a Word document (real XML compresses ~10:1).
_MAX_COMPRESSION_RATIO = 100
_RATIO_CHECK_MIN_BYTES = 1024 * 1024

_W_P = qn("w:p")
# Elements whose children may hold paragraphs: tables, rows, cells, content controls, custom XML wrappers.
_W_BLOCK_CONTAINERS = frozenset(
    qn(tag) for tag in ("w:tbl", "w:tr", "w:tc", "w:sdt", "w:sdtContent", "w:customXml")
)
# Runs in text boxes belong to the drawing, not to the paragraph that anchors it (and Word stores them twice).
_RUNS_OF_PARAGRAPH = "./descendant::w:r[not(ancestor::w:txbxContent)]"


@dataclass(frozen=True)
class Extracted:
    pages: list[str]
    page_count: int


class ExtractionError(Exception):
    """The file cannot be turned into text; retrying will not help."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def extract_text(
    path: Path,
    content_type: str,
    *,
    max_pages: int = 10_000,
    max_uncompressed_bytes: int = 200 * 1024 * 1024,
) -> Extracted:
    if content_type == PDF:
        pages = _extract_pdf(path, max_pages)
        min_chars = MIN_PDF_TEXT_CHARS
    elif content_type == DOCX:
        pages = _extract_docx(path, max_uncompressed_bytes)
        min_chars = 1
    elif content_type == TXT:
        pages = _extract_txt(path)
        min_chars = 1
    else:
        raise ExtractionError(
            UNSUPPORTED_TYPE, "Only PDF, Word (.docx) and plain text files can be analysed."
        )
    _check_page_count(len(pages), max_pages)
    if _visible_chars(pages) < min_chars:
        raise _no_text(content_type)
    clean = [page.replace("\x00", _NUL_REPLACEMENT) for page in pages]
    return Extracted(pages=clean, page_count=len(clean))


# --- PDF ---------------------------------------------------------------------------------------------------


def _extract_pdf(path: Path, max_pages: int) -> list[str]:
    # An open file, not the path: given a path, pypdf reads the whole file into memory first.
    with path.open("rb") as fh:
        reader = _open_pdf(fh)
        page_count = _pdf_page_count(reader)
        _check_page_count(page_count, max_pages)
        pages: list[str] = []
        for number in range(page_count):
            if number and number % _PDF_PAGES_PER_READER == 0:
                reader = _open_pdf(fh)
            pages.append(_pdf_page_text(reader, number))
        return pages


def _open_pdf(fh: BinaryIO) -> PdfReader:
    try:
        reader = PdfReader(fh)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise _pdf_encrypted()
    except (FileNotDecryptedError, NotImplementedError, DependencyError) as exc:
        # NotImplementedError / DependencyError: an encryption method pypdf cannot handle.
        raise _pdf_encrypted() from exc
    except _PDF_PARSER_ERRORS as exc:
        raise _pdf_corrupt() from exc
    return reader


def _pdf_page_count(reader: PdfReader) -> int:
    try:
        return len(reader.pages)
    except FileNotDecryptedError as exc:
        raise _pdf_encrypted() from exc
    except _PDF_PARSER_ERRORS as exc:
        raise _pdf_corrupt() from exc


def _pdf_page_text(reader: PdfReader, number: int) -> str:
    try:
        return reader.pages[number].extract_text()
    except FileNotDecryptedError as exc:
        raise _pdf_encrypted() from exc
    except _PDF_PARSER_ERRORS as exc:
        raise _pdf_corrupt() from exc


def _pdf_encrypted() -> ExtractionError:
    return ExtractionError(
        PDF_ENCRYPTED, "This PDF is password-protected; remove the password and upload it again."
    )


def _pdf_corrupt() -> ExtractionError:
    return ExtractionError(
        FILE_CORRUPT,
        "This PDF is damaged or incomplete and cannot be read; export it again from the original and upload "
        "the new file.",
    )


# --- DOCX --------------------------------------------------------------------------------------------------


def _extract_docx(path: Path, max_uncompressed_bytes: int) -> list[str]:
    _check_zip_expansion(path, max_uncompressed_bytes)
    try:
        body = docx.Document(str(path)).element.body
        paragraphs = list(_docx_paragraph_texts(body))
    except _DOCX_PARSER_ERRORS as exc:
        raise _docx_corrupt() from exc
    return _paginate(paragraphs, joiner="\n")


def _check_zip_expansion(path: Path, max_uncompressed_bytes: int) -> None:
    """Refuse archives that would expand too far, before python-docx reads their parts into memory.

    The sizes come from the central directory; zipfile stops at the declared size when reading, so an
    archive cannot lie its way past this check.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise _docx_corrupt() from exc
    total = sum(entry.file_size for entry in entries)
    if total > max_uncompressed_bytes or any(_is_bomb_entry(entry) for entry in entries):
        raise ExtractionError(
            FILE_CORRUPT,
            "This Word file's archive expands too far when unpacked to be a real document, so it was not "
            "opened. Save it again from Word and upload the new file.",
        )


def _is_bomb_entry(entry: zipfile.ZipInfo) -> bool:
    if entry.file_size < _RATIO_CHECK_MIN_BYTES:
        return False
    return entry.file_size > _MAX_COMPRESSION_RATIO * max(entry.compress_size, 1)


def _docx_paragraph_texts(container: BaseOxmlElement) -> Iterator[str]:
    """Yield each paragraph's text in document order, descending into tables and content controls.

    python-docx's own iter_inner_content() skips block content controls (w:sdt), and Paragraph.text skips
    runs inside inline content controls, tracked insertions and simple fields; we walk the XML instead.
    Each w:tc is visited once, so a merged cell's text is not repeated as it is in Row.cells.
    """
    for child in container:
        if child.tag == _W_P:
            yield "".join(run.text for run in child.xpath(_RUNS_OF_PARAGRAPH))
        elif child.tag in _W_BLOCK_CONTAINERS:
            yield from _docx_paragraph_texts(child)


def _docx_corrupt() -> ExtractionError:
    return ExtractionError(
        FILE_CORRUPT,
        "This Word file is damaged or incomplete and cannot be read; save it again from Word and upload the "
        "new file.",
    )


# --- TXT ---------------------------------------------------------------------------------------------------


def _extract_txt(path: Path) -> list[str]:
    text = decode_text(path.read_bytes())
    if "\f" in text:
        pages = text.split("\f")
        # A final form feed ends the last page; it does not start an empty one.
        return pages[:-1] if len(pages) > 1 and not pages[-1].strip() else pages
    return _paginate(text.splitlines(keepends=True), joiner="")


# --- shared ------------------------------------------------------------------------------------------------


def _paginate(units: Iterable[str], *, joiner: str) -> list[str]:
    """Group paragraphs or lines into pages of about PAGE_CHARS; a longer unit gets a page of its own."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for unit in units:
        if current and size + len(unit) > PAGE_CHARS:
            pages.append(joiner.join(current))
            current, size = [], 0
        current.append(unit)
        size += len(unit) + len(joiner)
    if current:
        pages.append(joiner.join(current))
    return pages


def _check_page_count(page_count: int, max_pages: int) -> None:
    if page_count > max_pages:
        raise ExtractionError(
            TOO_MANY_PAGES,
            f"This document has {page_count} pages; the limit is {max_pages}. Split it into smaller files "
            "and upload them separately.",
        )


def _visible_chars(pages: Iterable[str]) -> int:
    return sum(len("".join(page.split())) for page in pages)


def _no_text(content_type: str) -> ExtractionError:
    if content_type == PDF:
        message = (
            "This PDF has no text we can read; it looks like a scan. Run it through OCR (text recognition) "
            "and upload the result."
        )
    else:
        message = "This file contains no text to analyse."
    return ExtractionError(NO_TEXT, message)
