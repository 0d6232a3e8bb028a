"""Scans and photos are read by Tesseract (the real one, from Debian): straight, askew, upside down, as PDF
pages, PNG, JPEG and multi-page TIFF, with progress after each page."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytesseract
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from bench.ocr import character_accuracy
from bench.rendering import Scan, render
from common.filetypes import JPEG, PDF, PNG, TIFF, sniff_type
from worker.extract import ExtractionError, extract_text
from worker.ocr import OcrUnavailable, ocr_document, read_page

LEASE = [
    "RESIDENTIAL LEASE AGREEMENT",
    "",
    "This Lease is made between Harbor View Properties LLC (the Landlord)",
    "and Maria Gonzalez (the Tenant). The Tenant shall pay monthly rent of",
    "USD 1,450.00 on the first day of each month. A late fee of USD 75.00",
    "applies to rent paid after the fifth day of the month. This Lease is",
    "governed by the laws of the State of Oregon.",
]
LEASE_TEXT = "\n".join(LEASE)


PLAIN_200_DPI = Scan(dpi=200)


def _page(scan: Scan = PLAIN_200_DPI) -> Image.Image:
    return render(LEASE, scan)


def _save(image: Image.Image, path: Path, **options: object) -> Path:
    image.save(path, **options)
    return path


def test_a_clean_page_reads_as_written() -> None:
    assert character_accuracy(read_page(_page()).text, LEASE_TEXT) > 0.98


def test_a_page_fed_askew_with_noise_is_straightened_and_read() -> None:
    page = _page(Scan(dpi=200, skew_degrees=3.0, noise=0.12, blur=0.6, seed=3))
    assert character_accuracy(read_page(page).text, LEASE_TEXT) > 0.95


def test_a_page_scanned_upside_down_is_turned_and_read() -> None:
    assert character_accuracy(read_page(_page().rotate(180)).text, LEASE_TEXT) > 0.95


def test_a_photo_taken_sideways_is_turned_by_its_exif_orientation(tmp_path: Path) -> None:
    sideways = _page().convert("RGB").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    path = _save(sideways, tmp_path / "photo.jpg", quality=85, exif=exif)
    assert sniff_type(path) == JPEG
    extracted = extract_text(path, JPEG)
    assert extracted.pages == [""]
    assert extracted.ocr_pages == [0]
    text = ocr_document(path, JPEG, extracted.ocr_pages)[0]
    assert "Maria Gonzalez" in text
    assert "Oregon" in text


def test_a_multi_page_tiff_is_one_document_with_a_page_per_frame(tmp_path: Path) -> None:
    first, second = _page(), render(["SCHEDULE A", "", "The Tenant may keep one cat."], Scan(dpi=200))
    path = _save(first, tmp_path / "scan.tif", save_all=True, append_images=[second], compression="tiff_lzw")
    assert sniff_type(path) == TIFF
    extracted = extract_text(path, TIFF)
    assert extracted.page_count == 2
    assert extracted.ocr_pages == [0, 1]
    progress: list[tuple[int, int]] = []
    read = ocr_document(
        path, TIFF, extracted.ocr_pages, on_page=lambda done, total: progress.append((done, total))
    )
    assert "Harbor View Properties" in read[0]
    assert "one cat" in read[1]
    assert progress == [(1, 2), (2, 2)]


def test_a_tiff_with_more_frames_than_the_page_budget_is_refused(tmp_path: Path) -> None:
    blank = Image.new("L", (100, 100), 255)
    path = _save(blank, tmp_path / "many.tif", save_all=True, append_images=[blank] * 5)
    with pytest.raises(ExtractionError) as caught:
        extract_text(path, TIFF, max_pages=3)
    assert caught.value.code == "too_many_pages"


def test_a_scanned_pdf_page_is_rendered_and_read(tmp_path: Path) -> None:
    path = _save(_page(Scan(dpi=300)), tmp_path / "scan.pdf", resolution=300.0)
    assert sniff_type(path) == PDF
    extracted = extract_text(path, PDF)
    assert extracted.ocr_pages == [0]
    assert "USD 1,450.00" in ocr_document(path, PDF, extracted.ocr_pages)[0]


def test_noise_has_no_words() -> None:
    rng = random.Random(4)
    noise = Image.frombytes("L", (600, 800), bytes(rng.randrange(256) for _ in range(600 * 800)))
    assert read_page(noise).text.strip() == ""


def test_a_png_that_is_not_an_image_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    assert sniff_type(path) == PNG
    with pytest.raises(ExtractionError) as caught:
        extract_text(path, PNG)
    assert caught.value.code == "file_corrupt"


def test_an_image_too_large_to_be_a_page_is_refused_before_decoding(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000), 1).save(buffer, format="PNG")
    path = tmp_path / "huge.png"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ExtractionError) as caught:
        extract_text(path, PNG)
    assert caught.value.code == "file_corrupt"


def test_a_photo_with_a_shadow_across_it_is_evened_out_and_read() -> None:
    page = _page(Scan(dpi=200, skew_degrees=1.0, noise=0.08, blur=0.8, seed=2))
    width, height = page.size
    shadow = Image.new("L", page.size, 255)  # the phone's shadow over the right of the page, soft-edged
    ImageDraw.Draw(shadow).polygon(
        [(width * 0.45, 0), (width, 0), (width, height), (width * 0.25, height)], fill=95
    )
    shaded = ImageChops.multiply(page, shadow.filter(ImageFilter.GaussianBlur(25)))
    assert character_accuracy(read_page(shaded).text, LEASE_TEXT) > 0.95


def test_a_worker_without_tesseract_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    with pytest.raises(OcrUnavailable):
        read_page(_page())
