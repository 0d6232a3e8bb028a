"""DOCX text as the document reads with every tracked change accepted, parsed streaming with the page budget.

`word/document.xml` is read with lxml's `iterparse`, element by element, and each element is dropped once read,
so memory stays flat whatever the part's size, and a part with more text than the page budget fails
`too_many_pages` as soon as the budget is passed, not after reading it all.

What is read, and what is not (on purpose):
- the body: paragraphs in document order, descending into tables (each cell once, so a merged cell's text
  is not repeated), content controls and custom XML; tabs, line breaks and non-breaking hyphens as text;
- tracked changes as if accepted: insertions kept, deletions dropped (their text is in `w:delText`), a move
  read once at its destination (`w:moveTo`, never `w:moveFrom`), a deleted paragraph mark joins the paragraph to
  the next. Any of them sets `has_tracked_changes`; formatting-only changes do not change the text and do not;
- text boxes once: Word stores a text box twice (the drawing and a VML fallback), so `mc:Fallback` is skipped;
- footnotes and endnotes: a `[n]` mark where each is referenced, and the notes' text after the body under
  "Notes:", numbered in order of reference; they are part of what the contract says;
- not headers and footers: page furniture (titles, page numbers, confidentiality legends) repeated on every
  page, which would read as contract text; not comments: reviewers' notes are not part of the agreement;
- field codes (`w:instrText`) are not text; their displayed results are.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from lxml import etree

from worker.extract_errors import FILE_CORRUPT, ExtractionError, too_many_pages
from worker.pages import PAGE_CHARS, Paginator

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
DOCUMENT_PART = "word/document.xml"
NOTE_PARTS = ("word/footnotes.xml", "word/endnotes.xml")
NOTES_TITLE = "Notes:"


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


P, R, T = _w("p"), _w("r"), _w("t")
PPR, RPR = _w("pPr"), _w("rPr")
INS, DEL, MOVE_FROM, MOVE_TO = _w("ins"), _w("del"), _w("moveFrom"), _w("moveTo")
FALLBACK = f"{{{_MC}}}Fallback"
FOOTNOTE_REF, ENDNOTE_REF = _w("footnoteReference"), _w("endnoteReference")
FOOTNOTE, ENDNOTE = _w("footnote"), _w("endnote")
DOCUMENT = _w("document")
_LITERALS = {_w("tab"): "\t", _w("ptab"): "\t", _w("br"): "\n", _w("cr"): "\n", _w("noBreakHyphen"): "-"}
_CHANGES = frozenset({INS, DEL, MOVE_FROM, MOVE_TO})
# Only these raise Python events; everything else (formatting, bookmarks, drawings) stays inside lxml.
_EVENT_TAGS = (
    P, R, T, INS, DEL, MOVE_FROM, MOVE_TO, FALLBACK, FOOTNOTE_REF, ENDNOTE_REF, FOOTNOTE, ENDNOTE, *_LITERALS,
    _w("tbl"), _w("tr"), _w("tc"), _w("sdt"),
)  # fmt: skip

# A big entry compressed more than this is a zip bomb, not a Word document (real XML compresses ~10:1).
_MAX_COMPRESSION_RATIO = 100
_RATIO_CHECK_MIN_BYTES = 1024 * 1024
# lxml raises SyntaxError subclasses on malformed XML; zipfile raises these on a damaged entry.
_PARSE_ERRORS: tuple[type[BaseException], ...] = (
    SyntaxError,
    zipfile.BadZipFile,
    EOFError,
    ValueError,
    KeyError,
)


@dataclass(frozen=True)
class DocxText:
    pages: list[str]
    has_tracked_changes: bool


@dataclass
class _Reader:
    """What one streaming pass over a part keeps: the paragraphs being read and what was seen."""

    max_chars: int
    note_numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    has_tracked_changes: bool = False
    _open: list[list[str]] = field(default_factory=list)  # innermost paragraph last (text boxes nest)
    _open_chars: int = 0
    _skipping: int = 0  # depth inside w:moveFrom or mc:Fallback
    _mark_deleted: bool = False
    _carry: str = ""  # a paragraph whose mark was deleted, waiting to be joined to the next

    def paragraphs(self, source: IO[bytes], root_tag: str | None) -> Iterator[tuple[str, str]]:
        """Yield (note key or "", paragraph text) in document order; the note key groups a note's paragraphs."""
        note = ""
        parser = etree.iterparse(
            source, events=("start", "end"), tag=_EVENT_TAGS, resolve_entities=False, no_network=True
        )
        for event, element in parser:
            tag = element.tag
            if event == "start":
                if tag == P:
                    self._open.append([])
                elif tag in (MOVE_FROM, FALLBACK):
                    self._skipping += 1
                elif tag in (FOOTNOTE, ENDNOTE):
                    note = self._note_key(tag, element)
                if tag in _CHANGES:
                    self.has_tracked_changes = True
                continue
            if tag == T:
                self._add(element.text or "")
            elif tag in _LITERALS and _in_run(element):  # a w:tab in w:tabs is a tab stop, not a tab
                self._add(_LITERALS[tag])
            elif tag in (FOOTNOTE_REF, ENDNOTE_REF):
                self._add(self._reference(tag, element))
            elif tag in (MOVE_FROM, FALLBACK):
                self._skipping -= 1
            elif tag == DEL and _is_paragraph_mark(element):
                self._mark_deleted = True
            elif tag == P:
                text = self._close_paragraph()
                if text is not None:
                    yield note, text
            elif tag in (FOOTNOTE, ENDNOTE):
                note = ""
            _drop(element)
        if root_tag is not None and (parser.root is None or parser.root.tag != root_tag):
            raise ValueError("not a Word document part")
        if self._carry:
            yield note, self._carry

    def _add(self, text: str) -> None:
        if self._skipping or not self._open:
            return
        self._open[-1].append(text)
        self._open_chars += len(text)
        if self._open_chars > self.max_chars:
            raise too_many_pages("too many", self.max_chars // PAGE_CHARS)

    def _close_paragraph(self) -> str | None:
        parts = self._open.pop() if self._open else []
        self._open_chars -= sum(len(part) for part in parts)
        text = self._carry + "".join(parts)
        self._carry = ""
        if self._mark_deleted and not self._skipping:
            self._mark_deleted = False
            self._carry = text
            return None
        self._mark_deleted = False
        return None if self._skipping else text

    def _note_key(self, tag: str, element: etree._Element) -> str:
        if element.get(_w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
            return "-"
        return f"{tag}#{element.get(_w('id'))}"

    def _reference(self, tag: str, element: etree._Element) -> str:
        kind = FOOTNOTE if tag == FOOTNOTE_REF else ENDNOTE
        key = (kind, element.get(_w("id")) or "")
        number = self.note_numbers.setdefault(key, len(self.note_numbers) + 1)
        return f"[{number}]"


def _in_run(element: etree._Element) -> bool:
    parent = element.getparent()
    return parent is not None and parent.tag == R


def _is_paragraph_mark(element: etree._Element) -> bool:
    """A w:del in a paragraph's properties' run properties marks the paragraph mark itself as deleted."""
    parent = element.getparent()
    return (
        parent is not None
        and parent.tag == RPR
        and (grand := parent.getparent()) is not None
        and grand.tag == PPR
    )


def _drop(element: etree._Element) -> None:
    """Free what was read: the element's content and every earlier sibling."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def read_docx(path: Path, max_pages: int, max_uncompressed_bytes: int) -> DocxText:
    check_zip_expansion(path, max_uncompressed_bytes)
    reader = _Reader(max_chars=max_pages * PAGE_CHARS)
    paginator = Paginator(joiner="\n", max_pages=max_pages)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names:
                raise ValueError("not an Office package")
            with archive.open(DOCUMENT_PART) as part:
                for _, text in reader.paragraphs(part, DOCUMENT):
                    paginator.add(text)
            notes = _notes(archive, names, reader)
    except _PARSE_ERRORS as exc:
        raise docx_corrupt() from exc
    if notes:
        paginator.add(NOTES_TITLE)
        for number, text in notes:
            paginator.add(f"[{number}] {text}")
    return DocxText(paginator.finish(), reader.has_tracked_changes)


def _notes(archive: zipfile.ZipFile, names: set[str], reader: _Reader) -> list[tuple[int, str]]:
    """The referenced footnotes and endnotes, in order of reference."""
    if not reader.note_numbers:
        return []
    texts: dict[str, list[str]] = {}
    for part_name in NOTE_PARTS:
        if part_name not in names:
            continue
        with archive.open(part_name) as part:
            for key, text in reader.paragraphs(part, None):
                if key and key != "-":
                    texts.setdefault(key, []).append(text)
    found = []
    for (kind, note_id), number in reader.note_numbers.items():
        paragraphs = texts.get(f"{kind}#{note_id}")
        if paragraphs:
            found.append((number, " ".join(p.strip() for p in paragraphs if p.strip())))
    return sorted(found)


def check_zip_expansion(path: Path, max_uncompressed_bytes: int) -> None:
    """Refuse archives that would expand too far, before reading any part.

    The sizes come from the central directory; zipfile stops at the declared size when reading, so an
    archive cannot lie its way past this check.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise docx_corrupt() from exc
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


def docx_corrupt() -> ExtractionError:
    return ExtractionError(
        FILE_CORRUPT,
        "This Word file is damaged or incomplete and cannot be read; save it again from Word and upload the "
        "new file.",
    )
