"""extract_text turns PDF, DOCX and TXT into pages of text, and fails broken files with a clear code."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from common.filetypes import DOCX, PDF, TXT
from worker import pdf_text
from worker.extract import PAGE_CHARS, Extracted, ExtractionError, extract_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "docs"
BONTERMS_NDA_PDF = FIXTURES / "Bonterms-Mutual-NDA-Version-1.pdf"
CUAD_SPONSORSHIP_PDF = FIXTURES / "GAINSCOINC_01_21_2010-EX-10.41-SPONSORSHIP_AGREEMENT.pdf"
COMMON_PAPER_DOCX = FIXTURES / "common-paper-mutual-nda.docx"
BONTERMS_PSA_DOCX = FIXTURES / "bonterms-professional-services-agreement.docx"
MiB = 1024 * 1024


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _error_code(path: Path, content_type: str, **limits: int) -> str:
    with pytest.raises(ExtractionError) as caught:
        extract_text(path, content_type, **limits)
    assert caught.value.message
    return caught.value.code


def _pdf_with_one_page(resources: bytes, content: bytes, *extra_objects: bytes) -> bytes:
    """A minimal well-formed PDF; extra objects are numbered from 5 on."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
        + resources
        + b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        *extra_objects,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(out)


def _image_only_pdf() -> bytes:
    """What a scan without OCR looks like: a page that only paints an image."""
    pixels = bytes(random.Random(3).randrange(256) for _ in range(64 * 64))
    image = b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
    image += b"/BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream" % (len(pixels), pixels)
    return _pdf_with_one_page(b"<< /XObject << /Im0 5 0 R >> >>", b"q 612 0 0 792 0 0 cm /Im0 Do Q", image)


def _text_pdf(text: str) -> bytes:
    helvetica = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    content = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("latin-1")
    return _pdf_with_one_page(b"<< /Font << /F1 5 0 R >> >>", content, helvetica)


def _encrypted_pdf(user_password: str, owner_password: str) -> bytes:
    writer = PdfWriter(
        clone_from=io.BytesIO(_text_pdf("This Agreement is confidential between the parties."))
    )
    writer.encrypt(user_password, owner_password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _save_docx(document: docx.document.Document, path: Path) -> Path:
    document.save(str(path))
    return path


def _joined(extracted: Extracted) -> str:
    return "\n".join(extracted.pages)


# --- PDF ---------------------------------------------------------------------------------------------------


def test_pdf_text_is_extracted() -> None:
    extracted = extract_text(BONTERMS_NDA_PDF, PDF)
    assert extracted.page_count == len(extracted.pages) == 1
    assert "Bonterms Mutual NDA" in extracted.pages[0]
    assert "executed in counterparts" in extracted.pages[0]


def test_pdf_keeps_one_string_per_page() -> None:
    extracted = extract_text(CUAD_SPONSORSHIP_PDF, PDF)
    assert extracted.page_count == 6
    assert "SPONSORSHIP AGREEMENT" in extracted.pages[0]
    assert "internal laws of the State of Texas" in extracted.pages[5]


def test_pdf_pages_are_the_same_when_read_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = extract_text(CUAD_SPONSORSHIP_PDF, PDF)
    monkeypatch.setattr(pdf_text, "PAGES_PER_OPEN", 2)
    assert extract_text(CUAD_SPONSORSHIP_PDF, PDF) == whole


def test_pdf_with_more_pages_than_allowed_is_refused() -> None:
    assert _error_code(CUAD_SPONSORSHIP_PDF, PDF, max_pages=5) == "too_many_pages"


def test_image_only_pdf_pages_are_left_for_ocr(tmp_path: Path) -> None:
    extracted = extract_text(_write(tmp_path / "scan.pdf", _image_only_pdf()), PDF)
    assert extracted.pages == [""]
    assert extracted.ocr_pages == [0]


def test_pdf_without_text_or_images_has_no_text(tmp_path: Path) -> None:
    blank = _pdf_with_one_page(b"<< >>", b"")
    assert _error_code(_write(tmp_path / "blank.pdf", blank), PDF) == "no_text"


def test_pdf_with_only_a_page_number_has_no_text(tmp_path: Path) -> None:
    assert _error_code(_write(tmp_path / "numbered.pdf", _text_pdf("7")), PDF) == "no_text"


def test_generated_text_pdf_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path / "made.pdf", _text_pdf("The Supplier shall deliver the Goods."))
    assert extract_text(path, PDF).pages == ["The Supplier shall deliver the Goods."]


def test_pdf_with_user_password_is_encrypted(tmp_path: Path) -> None:
    path = _write(tmp_path / "locked.pdf", _encrypted_pdf("secret", "owner-secret"))
    with pytest.raises(ExtractionError) as caught:
        extract_text(path, PDF)
    assert caught.value.code == "pdf_encrypted"
    assert "password" in caught.value.message


def test_pdf_with_only_an_owner_password_opens(tmp_path: Path) -> None:
    path = _write(tmp_path / "restricted.pdf", _encrypted_pdf("", "owner-secret"))
    assert "confidential between the parties" in extract_text(path, PDF).pages[0]


def test_truncated_pdf_is_corrupt(tmp_path: Path) -> None:
    data = CUAD_SPONSORSHIP_PDF.read_bytes()
    path = _write(tmp_path / "truncated.pdf", data[: len(data) // 2])
    assert _error_code(path, PDF) == "file_corrupt"


def test_random_bytes_named_pdf_are_corrupt(tmp_path: Path) -> None:
    path = _write(tmp_path / "random.pdf", random.Random(5).randbytes(8192))
    assert _error_code(path, PDF) == "file_corrupt"


def test_pdf_header_followed_by_garbage_is_corrupt(tmp_path: Path) -> None:
    path = _write(tmp_path / "garbage.pdf", b"%PDF-1.7\n" + random.Random(6).randbytes(8192))
    assert _error_code(path, PDF) == "file_corrupt"


def test_empty_pdf_is_corrupt(tmp_path: Path) -> None:
    assert _error_code(_write(tmp_path / "empty.pdf", b""), PDF) == "file_corrupt"


# --- DOCX --------------------------------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_are_extracted() -> None:
    text = _joined(extract_text(COMMON_PAPER_DOCX, DOCX))
    assert text.startswith("Mutual Non-Disclosure Agreement")
    assert "Governing Law\nThe laws of the State of {governing_law}." in text
    assert text.index("Effective Date") < text.index("Neither party has changed the Standard Terms")


def test_docx_table_cells_come_in_document_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Before the table.")
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Key Terms"
    for row, (label, value) in enumerate([("Term", "Two years"), ("Fees", "USD 10,000")], start=1):
        table.cell(row, 0).text = label
        table.cell(row, 1).text = value
    document.add_paragraph("After the table.")

    extracted = extract_text(_save_docx(document, tmp_path / "table.docx"), DOCX)

    expected = "Before the table.\nKey Terms\nTerm\nTwo years\nFees\nUSD 10,000\nAfter the table."
    assert extracted.pages == [expected]


def test_docx_text_inside_content_controls_is_kept() -> None:
    assert "☐ Email:" in _joined(extract_text(BONTERMS_PSA_DOCX, DOCX))


def test_docx_merged_cell_text_appears_once() -> None:
    assert _joined(extract_text(BONTERMS_PSA_DOCX, DOCX)).count("Attachments (link or attach)") == 1


def test_long_docx_is_cut_into_pages_on_paragraph_boundaries(tmp_path: Path) -> None:
    document = docx.Document()
    paragraphs = [f"Clause {n}. " + "The parties agree. " * 25 for n in range(40)]
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)

    extracted = extract_text(_save_docx(document, tmp_path / "long.docx"), DOCX)

    assert extracted.page_count == len(extracted.pages) > 1
    assert all(len(page) <= PAGE_CHARS for page in extracted.pages)
    assert _joined(extracted) == "\n".join(paragraphs)


def test_empty_docx_has_no_text(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("   ")
    assert _error_code(_save_docx(document, tmp_path / "blank.docx"), DOCX) == "no_text"


def test_zip_bomb_named_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w") as entry,
    ):
        for _ in range(8):
            entry.write(bytes(MiB))
    assert path.stat().st_size < 64 * 1024

    with pytest.raises(ExtractionError) as caught:
        extract_text(path, DOCX, max_uncompressed_bytes=4 * MiB)

    assert caught.value.code == "file_corrupt"
    assert "expands too far" in caught.value.message


def test_highly_compressed_docx_entry_is_refused_below_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "dense.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", bytes(2 * MiB))
    assert _error_code(path, DOCX) == "file_corrupt"


def test_zip_that_is_not_a_word_package_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "fake.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<not-word/>")
    assert _error_code(path, DOCX) == "file_corrupt"


def test_docx_with_malformed_xml_is_corrupt(tmp_path: Path) -> None:
    original = zipfile.ZipFile(COMMON_PAPER_DOCX)
    path = tmp_path / "malformed.docx"
    with original, zipfile.ZipFile(path, "w") as archive:
        for item in original.infolist():
            data = original.read(item)
            archive.writestr(item, data[: len(data) // 2] if item.filename == "word/document.xml" else data)
    assert _error_code(path, DOCX) == "file_corrupt"


def test_broken_zip_named_docx_is_corrupt(tmp_path: Path) -> None:
    data = COMMON_PAPER_DOCX.read_bytes()
    path = _write(tmp_path / "cut.docx", data[: len(data) // 2])
    assert _error_code(path, DOCX) == "file_corrupt"


# --- TXT ---------------------------------------------------------------------------------------------------


def test_utf8_text_keeps_its_accents(tmp_path: Path) -> None:
    text = "Résiliation : préavis de trois mois, droit applicable à Zürich.\n"
    extracted = extract_text(_write(tmp_path / "fr.txt", text.encode()), TXT)
    assert extracted.pages == [text]


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    extracted = extract_text(_write(tmp_path / "bom.txt", "\ufeffAgreement".encode()), TXT)
    assert extracted.pages == ["Agreement"]


def test_latin1_text_is_decoded(tmp_path: Path) -> None:
    text = "Vertrag über Gebühren, fällig in München."
    extracted = extract_text(_write(tmp_path / "de.txt", text.encode("latin-1")), TXT)
    assert extracted.pages == [text]


def test_form_feeds_separate_pages(tmp_path: Path) -> None:
    data = b"Page one text.\n\fPage two text.\n\fPage three text.\n\f"
    extracted = extract_text(_write(tmp_path / "paged.txt", data), TXT)
    assert extracted.pages == ["Page one text.\n", "Page two text.\n", "Page three text.\n"]
    assert extracted.page_count == 3


def test_form_feeds_count_against_the_page_limit(tmp_path: Path) -> None:
    path = _write(tmp_path / "paged.txt", b"x\f" * 10)
    assert _error_code(path, TXT, max_pages=5) == "too_many_pages"


def test_long_text_is_cut_into_pages_on_line_boundaries(tmp_path: Path) -> None:
    text = "".join(f"{n}. The Customer shall pay each invoice within thirty days.\n" for n in range(300))
    extracted = extract_text(_write(tmp_path / "long.txt", text.encode()), TXT)
    assert extracted.page_count > 1
    assert all(page.endswith("\n") and len(page) <= PAGE_CHARS for page in extracted.pages)
    assert "".join(extracted.pages) == text


def test_nul_characters_are_replaced(tmp_path: Path) -> None:
    extracted = extract_text(_write(tmp_path / "nul.txt", b"Term\x00sheet"), TXT)
    assert extracted.pages == ["Term\ufffdsheet"]


def test_empty_text_has_no_text(tmp_path: Path) -> None:
    assert _error_code(_write(tmp_path / "empty.txt", b""), TXT) == "no_text"


def test_whitespace_only_text_has_no_text(tmp_path: Path) -> None:
    assert _error_code(_write(tmp_path / "blank.txt", b" \n\t\r\n\f \n"), TXT) == "no_text"


# --- other types -------------------------------------------------------------------------------------------


def test_unknown_content_type_is_unsupported(tmp_path: Path) -> None:
    path = _write(tmp_path / "sheet.xlsx", b"PK\x03\x04")
    assert _error_code(path, "application/vnd.ms-excel") == "unsupported_type"


_MEASURE_PDF = """
import json, sys
from pathlib import Path
from worker.extract import extract_text
from tests.memory import peak_rss_mb
extracted = extract_text(Path(sys.argv[1]), "application/pdf")
print(json.dumps({"pages": extracted.page_count, "rss_mb": peak_rss_mb()}))
"""


def test_a_long_pdf_is_read_in_flat_memory(tmp_path: Path) -> None:
    source = PdfReader(CUAD_SPONSORSHIP_PDF)
    writer = PdfWriter()
    for _ in range(250):
        for page in source.pages:
            writer.add_page(page)
    path = tmp_path / "long.pdf"
    writer.write(path)
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE_PDF, str(path)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    measured = json.loads(result.stdout)
    assert measured["pages"] == 1500
    assert measured["rss_mb"] < 100
