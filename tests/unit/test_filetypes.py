"""sniff_type recognises PDF, DOCX, plain text and page images by content, whatever the file is called."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import docx
from PIL import Image

from common.filetypes import DOCX, JPEG, PDF, PNG, TIFF, TXT, decode_text, sniff_type

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "docs"
BONTERMS_NDA_PDF = FIXTURES / "Bonterms-Mutual-NDA-Version-1.pdf"
COMMON_PAPER_DOCX = FIXTURES / "common-paper-mutual-nda.docx"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_pdf_is_recognised() -> None:
    assert sniff_type(BONTERMS_NDA_PDF) == PDF


def test_pdf_is_recognised_whatever_its_name(tmp_path: Path) -> None:
    renamed = _write(tmp_path / "contract.txt", BONTERMS_NDA_PDF.read_bytes())
    assert sniff_type(renamed) == PDF


def test_pdf_magic_after_leading_junk_is_recognised(tmp_path: Path) -> None:
    path = _write(tmp_path / "junk-first.bin", b"\x00" * 500 + b"%PDF-1.7\n%rest")
    assert sniff_type(path) == PDF


def test_pdf_magic_beyond_first_kilobyte_is_not_a_pdf(tmp_path: Path) -> None:
    path = _write(tmp_path / "late.pdf", b"\x00" * 2000 + b"%PDF-1.7\n")
    assert sniff_type(path) is None


def test_docx_is_recognised(tmp_path: Path) -> None:
    renamed = _write(tmp_path / "contract.pdf", COMMON_PAPER_DOCX.read_bytes())
    assert sniff_type(COMMON_PAPER_DOCX) == DOCX
    assert sniff_type(renamed) == DOCX


def test_docx_built_by_python_docx_is_recognised(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Hello")
    document.save(str(tmp_path / "made.docx"))
    assert sniff_type(tmp_path / "made.docx") == DOCX


def test_other_zip_is_not_docx(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert sniff_type(_write(tmp_path / "sheet.docx", buffer.getvalue())) is None


def test_broken_zip_is_not_docx(tmp_path: Path) -> None:
    path = _write(tmp_path / "broken.docx", b"PK\x03\x04" + b"word/document.xml" + b"\x17" * 200)
    assert sniff_type(path) is None


def test_exe_renamed_pdf_is_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(500)
    )
    assert sniff_type(path) is None


def test_png_is_recognised_whatever_its_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "scan.pdf", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert sniff_type(path) == PNG


def test_jpeg_photo_is_recognised(tmp_path: Path) -> None:
    Image.new("RGB", (40, 30), "white").save(tmp_path / "photo.docx", format="JPEG")
    assert sniff_type(tmp_path / "photo.docx") == JPEG


def test_tiff_in_either_byte_order_is_recognised(tmp_path: Path) -> None:
    Image.new("L", (40, 30), 255).save(tmp_path / "scan.tif", format="TIFF")
    assert sniff_type(tmp_path / "scan.tif") == TIFF
    assert sniff_type(_write(tmp_path / "big-endian.bin", b"MM\x00*\x00\x00\x00\x08" + bytes(64))) == TIFF


def test_gif_is_rejected(tmp_path: Path) -> None:
    assert sniff_type(_write(tmp_path / "anim.png", b"GIF89a" + bytes(range(256)))) is None


def test_random_bytes_are_rejected(tmp_path: Path) -> None:
    data = random.Random(7).randbytes(4096)
    assert sniff_type(_write(tmp_path / "random.pdf", data)) is None


def test_random_bytes_without_nul_are_rejected(tmp_path: Path) -> None:
    data = bytes(b or 1 for b in random.Random(8).randbytes(4096))
    assert sniff_type(_write(tmp_path / "random.txt", data)) is None


def test_empty_file_is_not_recognised(tmp_path: Path) -> None:
    assert sniff_type(_write(tmp_path / "empty.txt", b"")) is None


def test_utf8_text_is_recognised(tmp_path: Path) -> None:
    path = _write(tmp_path / "contract.pdf", "Résiliation du contrat à Zürich — préavis.\n".encode())
    assert sniff_type(path) == TXT


def test_utf8_text_with_bom_is_recognised(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.txt", "\ufeffAgreement\n".encode())
    assert sniff_type(path) == TXT


def test_latin1_text_is_recognised(tmp_path: Path) -> None:
    path = _write(tmp_path / "vertrag.txt", "Vertrag über Gebühren, fällig in München.\n".encode("latin-1"))
    assert sniff_type(path) == TXT


def test_windows_1252_text_is_recognised(tmp_path: Path) -> None:
    path = _write(tmp_path / "quotes.txt", "The \u201cAgreement\u201d \u2013 as amended.\n".encode("cp1252"))
    assert sniff_type(path) == TXT


def test_long_utf8_text_cut_mid_character_by_the_prefix_is_recognised(tmp_path: Path) -> None:
    text = "a" * (64 * 1024 - 1) + "é" * 1000
    assert sniff_type(_write(tmp_path / "long.txt", text.encode())) == TXT


def test_text_with_nul_beyond_the_prefix_is_rejected(tmp_path: Path) -> None:
    data = b"plain words\n" * 20_000 + b"\x00binary tail"
    assert sniff_type(_write(tmp_path / "tail.txt", data)) is None


def test_decode_text_prefers_utf8_then_windows_1252() -> None:
    assert decode_text("\ufeffé".encode()) == "é"
    assert decode_text(b"caf\xe9 \x93quoted\x94") == "café \u201cquoted\u201d"
    assert decode_text(b"\x81\xe9") == "\x81é"
