"""Recognise an uploaded file's type by its content, never by its name."""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from pathlib import Path

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TXT = "text/plain"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
# Page images (a phone photo, a scanner's TIFF); every page of one is read by OCR.
IMAGE_TYPES = frozenset({PNG, JPEG, TIFF})
# What a person may upload, in words: the upload's OpenAPI description and the 415 answer both say this.
ACCEPTED_IN_WORDS = (
    "a PDF, a Word document (.docx), a plain-text file or a page image (PNG, JPEG, TIFF; a multi-page TIFF is "
    "one document)"
)

_PDF_MAGIC = b"%PDF-"
_PDF_MAGIC_WINDOW = 1024
_ZIP_MAGIC = b"PK\x03\x04"
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF),  # little-endian TIFF
    (b"MM\x00*", TIFF),  # big-endian TIFF
)
_DOCX_MAIN_PART = "word/document.xml"
_TEXT_PREFIX_BYTES = 64 * 1024
_NUL_SCAN_CHUNK_BYTES = 1024 * 1024
_TEXT_WHITESPACE_CONTROLS = frozenset("\t\n\v\f\r")
# The control characters (Unicode category Cc, which the standard fixes at U+0000-U+001F and U+007F-U+009F) but
# the whitespace ones, as one character class: counted by the regex engine, not a Python loop per character.
_STRAY_CONTROLS = re.compile(
    "[{}]".format(
        "".join(
            re.escape(chr(code))
            for code in range(0xA0)
            if unicodedata.category(chr(code)) == "Cc" and chr(code) not in _TEXT_WHITESPACE_CONTROLS
        )
    )
)
# Real text files carry the odd stray control character (a DOS end-of-file mark, say); binaries carry many.
_MAX_CONTROL_SHARE = 0.02


def sniff_type(path: Path) -> str | None:
    """Return PDF, DOCX, TXT, PNG, JPEG or TIFF for a file of that kind, None for anything else (or empty)."""
    with path.open("rb") as fh:
        head = fh.read(_TEXT_PREFIX_BYTES)
    if _PDF_MAGIC in head[:_PDF_MAGIC_WINDOW]:
        return PDF
    if head.startswith(_ZIP_MAGIC):
        return DOCX if _is_docx(path) else None
    for magic, image_type in _IMAGE_MAGIC:
        if head.startswith(magic):
            return image_type
    if head and _is_text(path, head):
        return TXT
    return None


def decode_text(data: bytes) -> str:
    """Decode a text file's bytes: UTF-8 (with or without BOM), else Windows-1252, else Latin-1.

    Windows-1252 comes before Latin-1 because files called "Latin-1" in practice are Windows-1252 (curly
    quotes and dashes in 0x80-0x9F); for bytes outside that range the two are identical.
    """
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _is_docx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return _DOCX_MAIN_PART in archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return False


def _is_text(path: Path, head: bytes) -> bool:
    if b"\x00" in head:
        return False
    is_whole_file = len(head) < _TEXT_PREFIX_BYTES
    if not _looks_printable(_decode_prefix(head, is_whole_file)):
        return False
    return is_whole_file or not _has_nul_after(path, len(head))


def _decode_prefix(head: bytes, is_whole_file: bool) -> str:
    """Decode like decode_text, tolerating a UTF-8 sequence cut off at the end of the prefix."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        return decoder.decode(head, final=is_whole_file)
    except UnicodeDecodeError:
        return decode_text(head)


def _looks_printable(text: str) -> bool:
    if not text:
        return False
    return len(_STRAY_CONTROLS.findall(text)) / len(text) <= _MAX_CONTROL_SHARE


def _has_nul_after(path: Path, offset: int) -> bool:
    with path.open("rb") as fh:
        fh.seek(offset)
        while chunk := fh.read(_NUL_SCAN_CHUNK_BYTES):
            if b"\x00" in chunk:
                return True
    return False
