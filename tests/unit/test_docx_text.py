"""A Word file reads as written: tracked changes accepted, notes kept, page furniture and comments left out;
and a huge one is refused quickly and in little memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest

from common.filetypes import DOCX
from worker.extract import ExtractionError, extract_text

ROOT = Path(__file__).resolve().parents[2]
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MiB = 1024 * 1024


def _docx(tmp_path: Path, body: str, **parts: str) -> Path:
    """A real python-docx package whose document.xml body is `body`; `parts` are added (e.g. footnotes)."""
    base = tmp_path / "base.docx"
    docx.Document().save(str(base))
    path = tmp_path / "made.docx"
    document = f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = document.encode() if item.filename == "word/document.xml" else source.read(item)
            target.writestr(item, data)
        for name, xml in parts.items():
            target.writestr(f"word/{name}.xml", xml)
    return path


def _p(*runs: str, props: str = "") -> str:
    return f"<w:p>{props}{''.join(runs)}</w:p>"


def _r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def _text(path: Path) -> str:
    return "\n".join(extract_text(path, DOCX).pages)


def test_a_docx_without_changes_has_none(tmp_path: Path) -> None:
    path = _docx(tmp_path, _p(_r("The Tenant pays rent.")))
    assert extract_text(path, DOCX).has_tracked_changes is False


def test_tracked_insertions_are_kept_and_deletions_dropped(tmp_path: Path) -> None:
    body = _p(
        _r("The Tenant pays "),
        '<w:del w:id="1" w:author="L"><w:r><w:delText>USD 900</w:delText></w:r></w:del>',
        '<w:ins w:id="2" w:author="L">' + _r("USD 1,250") + "</w:ins>",
        _r(" each month."),
    )
    extracted = extract_text(_docx(tmp_path, body), DOCX)
    assert extracted.pages == ["The Tenant pays USD 1,250 each month."]
    assert extracted.has_tracked_changes is True


def test_a_moved_clause_is_read_once_where_it_went(tmp_path: Path) -> None:
    body = (
        _p('<w:moveFrom w:id="1" w:author="L">' + _r("Pets need consent.") + "</w:moveFrom>")
        + _p(_r("Rent is due monthly."))
        + _p('<w:moveTo w:id="2" w:author="L">' + _r("Pets need consent.") + "</w:moveTo>")
    )
    text = _text(_docx(tmp_path, body))
    assert text.count("Pets need consent.") == 1
    assert text.index("Rent is due monthly.") < text.index("Pets need consent.")


def test_a_deleted_paragraph_mark_joins_the_paragraph_to_the_next(tmp_path: Path) -> None:
    deleted_mark = '<w:pPr><w:rPr><w:del w:id="3" w:author="L"/></w:rPr></w:pPr>'
    body = _p(_r("The deposit is "), props=deleted_mark) + _p(_r("two months' rent."))
    extracted = extract_text(_docx(tmp_path, body), DOCX)
    assert extracted.pages == ["The deposit is two months' rent."]
    assert extracted.has_tracked_changes is True


def test_footnotes_are_marked_where_referenced_and_read_after_the_body(tmp_path: Path) -> None:
    body = _p(_r("Late fees apply."), '<w:r><w:footnoteReference w:id="2"/></w:r>') + _p(_r("End."))
    footnotes = (
        f'<w:footnotes xmlns:w="{W}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        f'<w:footnote w:id="2">{_p(_r("At most USD 50 a month."))}</w:footnote></w:footnotes>'
    )
    text = _text(_docx(tmp_path, body, footnotes=footnotes))
    assert text == "Late fees apply.[1]\nEnd.\nNotes:\n[1] At most USD 50 a month."


def test_headers_footers_and_comments_are_left_out(tmp_path: Path) -> None:
    body = _p(
        '<w:commentRangeStart w:id="0"/>',
        _r("The Landlord repairs the roof."),
        '<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>',
    )
    path = _docx(
        tmp_path,
        body,
        header1=f'<w:hdr xmlns:w="{W}">{_p(_r("CONFIDENTIAL DRAFT"))}</w:hdr>',
        comments=f'<w:comments xmlns:w="{W}"><w:comment w:id="0">{_p(_r("We will not agree."))}</w:comment>'
        "</w:comments>",
    )
    assert _text(path) == "The Landlord repairs the roof."


def test_tab_stops_are_not_tabs_but_tabs_are(tmp_path: Path) -> None:
    props = '<w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
    body = _p(_r("Rent"), "<w:r><w:tab/></w:r>", _r("USD 1,250"), props=props)
    assert _text(_docx(tmp_path, body)) == "Rent\tUSD 1,250"


def test_field_codes_are_not_text_but_their_results_are(tmp_path: Path) -> None:
    body = _p(
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DATE </w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
        _r("1 March 2027"),
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
    )
    assert _text(_docx(tmp_path, body)) == "1 March 2027"


def test_one_endless_paragraph_is_refused_by_the_page_budget(tmp_path: Path) -> None:
    body = _p(*(_r("word " * 200) for _ in range(200)))
    with pytest.raises(ExtractionError) as caught:
        extract_text(_docx(tmp_path, body), DOCX, max_pages=10)
    assert caught.value.code == "too_many_pages"


_MEASURE = """
import json, sys, time
from pathlib import Path
from worker.extract import ExtractionError, extract_text
from tests.memory import peak_rss_mb
started = time.perf_counter()
try:
    extract_text(Path(sys.argv[1]), sys.argv[2])
    code = "ok"
except ExtractionError as exc:
    code = exc.code
print(json.dumps({"code": code, "seconds": time.perf_counter() - started,
                  "rss_mb": peak_rss_mb()}))
"""


def _huge_docx(path: Path, xml_bytes: int) -> None:
    """A DOCX whose document.xml is `xml_bytes` of real-looking paragraphs that compress about 9:1, like the
    audit's 21 MB file with a 195 MB document.xml (under the zip-bomb checks)."""
    base = path.with_suffix(".base.docx")
    docx.Document().save(str(base))
    words = [os.urandom(3).hex() for _ in range(4096)]
    with (
        zipfile.ZipFile(base) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out,
    ):
        for item in source.infolist():
            if item.filename != "word/document.xml":
                out.writestr(item, source.read(item))
        with out.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(f'<w:document xmlns:w="{W}"><w:body>'.encode())
            written, n = 0, 0
            while written < xml_bytes:
                text = " ".join(words[(n * 7 + i) % len(words)] for i in range(60))
                chunk = f"<w:p><w:pPr><w:jc w:val='both'/></w:pPr>{_r(text)}</w:p>".encode() * 50
                part.write(chunk)
                written += len(chunk)
                n += 1
            part.write(b"</w:body></w:document>")


@pytest.mark.timeout(300)
def test_a_docx_with_a_195_mb_document_part_fails_fast_in_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.docx"
    _huge_docx(path, 195 * 1000 * 1000)
    assert path.stat().st_size < 40 * MiB
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), DOCX],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=240,
    )
    measured = json.loads(result.stdout)
    print(f"195 MB document.xml: {measured}")
    assert measured["code"] == "too_many_pages"
    assert measured["rss_mb"] < 150
    assert measured["seconds"] < 60
