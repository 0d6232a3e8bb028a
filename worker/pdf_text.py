"""PDF text with PDFium (pypdfium2): page by page, with filled-in form fields and free-text notes where they stand.

PDFium reads CUAD filings eight to ten times faster than pypdf per CPU second with the same token F1 against
CUAD's official text (bench/extract.py), and this module costs nothing on top of the plain pypdfium2 call. Each
page and its text page are closed as soon as read, and the document is reopened every `PAGES_PER_OPEN` pages,
so memory stays flat however long the file is.

Values typed into a PDF form live in annotations, not in the page's content, so a text extractor misses them.
Each text field's value, ticked box and free-text note is put into the page text on the line it stands on (or
as a line of its own between the lines above and below it); one without a usable position goes into a block at
the end of its page.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from worker.extract_errors import (
    FILE_CORRUPT,
    PDF_ENCRYPTED,
    ExtractionError,
    check_page_count,
    has_visible_chars,
)

PAGES_PER_OPEN = 100
_IMAGE_DEPTH = 4  # form XObjects inside form XObjects looked into for a scan's image
FORM_BLOCK_TITLE = "Filled-in fields on this page:"
CHECKED, UNCHECKED = "☒", "☐"
_ENCRYPTED_ERRORS = frozenset({pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY})
_CHOICE_FIELDS = frozenset(
    {pdfium_c.FPDF_FORMFIELD_TEXTFIELD, pdfium_c.FPDF_FORMFIELD_COMBOBOX, pdfium_c.FPDF_FORMFIELD_LISTBOX}
)
_BOX_FIELDS = frozenset({pdfium_c.FPDF_FORMFIELD_CHECKBOX, pdfium_c.FPDF_FORMFIELD_RADIOBUTTON})
# PDFium's text has Windows line ends, keeps no-break spaces and marks a hyphen at a line break as U+FFFE or
# U+0002; our pages use "\n", plain spaces and "-". (str.replace: several times faster than str.translate.)
_DOUBLE_SPACES = re.compile(r" {2,}")
# A value typed after "$" or "(" joins it; one followed by "." or ")" joins that.
_OPENING = frozenset("$€£(\"'“‘")
_CLOSING = frozenset(".,;:)\"'”’")
_REPLACEMENTS = (("\r\n", "\n"), ("\r", "\n"), ("\xa0", " "), ("\ufffe", "-"), ("\x02", "-"))


@dataclass(frozen=True)
class PdfPages:
    pages: list[str]
    ocr_pages: list[int]  # pages with next to no text that paint an image: a scan, for OCR to read


@dataclass(frozen=True)
class _Box:
    left: float
    bottom: float
    right: float
    top: float

    @property
    def middle(self) -> float:
        return (self.bottom + self.top) / 2

    @property
    def height(self) -> float:
        return self.top - self.bottom


@dataclass(frozen=True)
class _Placed:
    """A filled-in value and where it stands on the page (None: nowhere usable)."""

    text: str
    box: _Box | None


@dataclass
class _Line:
    text: str
    box: _Box | None
    after: list[_Placed]
    start: int = -1  # index of the line's first character in the text page; -1 for a line we made


def read_pdf(path: Path, max_pages: int, min_text_chars: int) -> PdfPages:
    """Every page's text, form values included; refuses more than `max_pages` before reading any.

    A page with fewer than `min_text_chars` visible characters that paints an image is listed for OCR.
    """
    pdf = open_pdf(path)
    try:
        page_count = len(pdf)
        check_page_count(page_count, max_pages)
        pages: list[str] = []
        ocr_pages: list[int] = []
        for number in range(page_count):
            if number and number % PAGES_PER_OPEN == 0:
                pdf.close()
                pdf = open_pdf(path)
            text, needs_ocr = _page_text(pdf, number, min_text_chars)
            pages.append(text)
            if needs_ocr:
                ocr_pages.append(number)
        return PdfPages(pages, ocr_pages)
    finally:
        pdf.close()


def open_pdf(path: Path) -> pdfium.PdfDocument:
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if exc.err_code in _ENCRYPTED_ERRORS:
            raise pdf_encrypted() from exc
        raise pdf_corrupt() from exc
    # Form values need PDFium's form environment, which must exist before any page is loaded.
    pdf.init_forms()
    return pdf


def pdf_encrypted() -> ExtractionError:
    return ExtractionError(
        PDF_ENCRYPTED, "This PDF is password-protected; remove the password and upload it again."
    )


def pdf_corrupt() -> ExtractionError:
    return ExtractionError(
        FILE_CORRUPT,
        "This PDF is damaged or incomplete and cannot be read; export it again from the original and upload "
        "the new file.",
    )


def _page_text(pdf: pdfium.PdfDocument, number: int, min_text_chars: int) -> tuple[str, bool]:
    # PDFium's own calls with a close in `finally`, not pypdfium2's page objects: their finalizers cost a
    # twentieth of a page's CPU (bench/extract.py).
    form = pdf.formenv.raw if pdf.formenv else None
    page = pdfium_c.FPDF_LoadPage(pdf, number)
    if not page:
        raise pdf_corrupt()
    if form:
        pdfium_c.FORM_OnAfterLoadPage(page, form)
    try:
        textpage = pdfium_c.FPDFText_LoadPage(page)
        if not textpage:
            raise pdf_corrupt()
        try:
            text = _all_text(textpage)
            values = _filled_values(form, page)
            if values:
                text = _with_values(text, textpage, values)
        finally:
            pdfium_c.FPDFText_ClosePage(textpage)
        text = _normalise(text)
        # Looking for images walks every object of the page, so only where the text layer is next to empty.
        return text, not has_visible_chars((text,), min_text_chars) and _paints_image(page)
    finally:
        if form:
            pdfium_c.FORM_OnBeforeClosePage(page, form)
        pdfium_c.FPDF_ClosePage(page)


def _all_text(textpage: Any) -> str:
    count = pdfium_c.FPDFText_CountChars(textpage)
    if count <= 0:
        return ""
    # The whole page's range, so PDFium cannot read past it (crbug.com/pdfium/2079): count + NUL is room enough.
    buffer = (ctypes.c_ushort * (count + 1))()
    written = pdfium_c.FPDFText_GetText(textpage, 0, count, buffer)
    return bytes(memoryview(buffer)[: max(written - 1, 0)]).decode("utf-16-le", errors="ignore")


def _normalise(text: str) -> str:
    for old, new in _REPLACEMENTS:
        if old in text:
            text = text.replace(old, new)
    return text


def _paints_image(page: Any) -> bool:
    return _holds_image(
        pdfium_c.FPDFPage_CountObjects(page), partial(pdfium_c.FPDFPage_GetObject, page), _IMAGE_DEPTH
    )


def _holds_image(count: int, get: Callable[[int], Any], depth: int) -> bool:
    """Images nested in form XObjects count too, as scanners often wrap the page image in one."""
    for index in range(count):
        obj = get(index)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            return True
        if (
            kind == pdfium_c.FPDF_PAGEOBJ_FORM
            and depth > 0
            and _holds_image(
                pdfium_c.FPDFFormObj_CountObjects(obj),
                partial(pdfium_c.FPDFFormObj_GetObject, obj),
                depth - 1,
            )
        ):
            return True
    return False


# --- form fields and free-text notes -----------------------------------------------------------------------


def _filled_values(form: object, page: object) -> list[_Placed]:
    count = pdfium_c.FPDFPage_GetAnnotCount(page)
    if count <= 0:
        return []
    values = []
    for index in range(count):
        annot = pdfium_c.FPDFPage_GetAnnot(page, index)
        if not annot:
            continue
        try:
            text = _annotation_text(form, annot)
            if text:
                values.append(_Placed(text, _annotation_box(annot)))
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
    return values


def _annotation_text(form: object, annot: object) -> str:
    subtype = pdfium_c.FPDFAnnot_GetSubtype(annot)
    if subtype == pdfium_c.FPDF_ANNOT_FREETEXT:
        return _annotation_string(annot, b"Contents").strip()
    if subtype != pdfium_c.FPDF_ANNOT_WIDGET or form is None:
        return ""
    kind = pdfium_c.FPDFAnnot_GetFormFieldType(form, annot)
    if kind in _BOX_FIELDS:
        return CHECKED if pdfium_c.FPDFAnnot_IsChecked(form, annot) else UNCHECKED
    if kind in _CHOICE_FIELDS:
        return _utf16(lambda buf, size: pdfium_c.FPDFAnnot_GetFormFieldValue(form, annot, buf, size)).strip()
    return ""


def _annotation_string(annot: object, key: bytes) -> str:
    return _utf16(lambda buf, size: pdfium_c.FPDFAnnot_GetStringValue(annot, key, buf, size))


def _utf16(call: Callable[[Any, int], int]) -> str:
    """PDFium's string getters: ask for the size in bytes, then fill a buffer of UTF-16LE with a NUL at the end."""
    size = call(None, 0)
    if size <= 2:
        return ""
    buffer = (ctypes.c_ushort * (size // 2))()
    call(buffer, size)
    return bytes(buffer).decode("utf-16-le", errors="replace").rstrip("\x00")


def _annotation_box(annot: object) -> _Box | None:
    rect = pdfium_c.FS_RECTF()
    if not pdfium_c.FPDFAnnot_GetRect(annot, rect):
        return None
    box = _Box(
        min(rect.left, rect.right),
        min(rect.bottom, rect.top),
        max(rect.left, rect.right),
        max(rect.top, rect.bottom),
    )
    return box if box.height > 0 and box.right > box.left else None


def _with_values(text: str, textpage: Any, values: list[_Placed]) -> str:
    """The page text with each value after the line it stands on, or as its own line where it stands."""
    lines = _positioned_lines(text, textpage)
    unplaced: list[str] = []
    for value in sorted(values, key=lambda v: (-v.box.top, v.box.left) if v.box else (0.0, 0.0)):
        if value.box is None:
            unplaced.append(value.text)
            continue
        line = _line_at(lines, value.box)
        if line is not None:
            line.after.append(value)
        else:
            lines.insert(_insertion_index(lines, value.box), _Line("", value.box, [value]))
    out = [_render(line, textpage) for line in lines]
    if unplaced:
        out += ["", FORM_BLOCK_TITLE, *unplaced]
    return "\r\n".join(out)


def _positioned_lines(text: str, textpage: Any) -> list[_Line]:
    lines = []
    start = 0
    for raw_line in text.split("\r\n"):
        lines.append(_Line(raw_line, _line_box(textpage, start, len(raw_line)), [], start))
        start += len(raw_line) + 2
    return lines


def _line_box(textpage: Any, start: int, length: int) -> _Box | None:
    """The box of a line's first visible character; PDFium's generated spaces and line ends have none."""
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    for index in range(start, start + length):
        if (
            pdfium_c.FPDFText_GetCharBox(textpage, index, left, right, bottom, top)
            and top.value > bottom.value
        ):
            return _Box(left.value, bottom.value, right.value, top.value)
    return None


def _line_at(lines: list[_Line], box: _Box) -> _Line | None:
    best: _Line | None = None
    best_distance = float("inf")
    for line in lines:
        if line.box is None or not line.text.strip():
            continue
        distance = abs(line.box.middle - box.middle)
        if distance <= max(line.box.height, box.height) * 0.75 and distance < best_distance:
            best, best_distance = line, distance
    return best


def _insertion_index(lines: list[_Line], box: _Box) -> int:
    """Before the first line that stands lower on the page than the value."""
    for index, line in enumerate(lines):
        if line.box is not None and line.box.middle < box.middle:
            return index
    return len(lines)


def _render(line: _Line, textpage: Any) -> str:
    """The line with each value at its place: before the first character right of the value's left edge,
    replacing the blank ("____") it was typed over."""
    if not line.after:
        return line.text
    lefts = _char_lefts(textpage, line)
    chars = list(line.text)
    covered: set[int] = set()
    inserts: dict[int, list[str]] = {}
    for value in sorted(line.after, key=lambda v: v.box.left if v.box else 0.0):
        box = value.box
        assert box is not None  # only placed values are attached to a line
        at = next(
            (i for i, left in enumerate(lefts) if left is not None and left >= box.left - 1), len(chars)
        )
        inserts.setdefault(at, []).append(value.text)
        covered.update(
            i
            for i, left in enumerate(lefts)
            if left is not None and box.left - 1 <= left < box.right and chars[i] == "_"
        )
    kept = [(i, ch) for i, ch in enumerate(chars) if i not in covered]
    out = ""
    for position in range(len(chars) + 1):
        if position in inserts:
            following = next((ch for i, ch in kept if i >= position), "")
            joined = " ".join(inserts[position])
            before = "" if not out or out[-1].isspace() or out[-1] in _OPENING else " "
            after = "" if not following or following.isspace() or following in _CLOSING else " "
            out += before + joined + after
        if position < len(chars) and position not in covered:
            out += chars[position]
    return _DOUBLE_SPACES.sub(" ", out).strip()


def _char_lefts(textpage: Any, line: _Line) -> list[float | None]:
    """The left edge of each character of the line (None for PDFium's generated ones)."""
    if line.start < 0:
        return [None] * len(line.text)
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    lefts: list[float | None] = []
    for index in range(line.start, line.start + len(line.text)):
        found = pdfium_c.FPDFText_GetCharBox(textpage, index, left, right, bottom, top)
        lefts.append(left.value if found and right.value > left.value else None)
    return lefts
