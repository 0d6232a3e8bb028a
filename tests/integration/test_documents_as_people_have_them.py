"""Scans, phone photos, filled-in PDF forms and Word files with tracked changes, from upload to analysis
through the real broker and worker processes."""

from __future__ import annotations

import io
import random
import time
import zipfile
from typing import Any

import docx
import pytest
from flask.testing import FlaskClient
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from bench.rendering import Scan, render, wrap
from common.stages import stage
from tests.conftest import Mailbox
from tests.helpers import bearer, signed_in
from tests.pipeline import CONTRACT_TEXT, phone_photo, upload, wait_for_job
from worker.ocr import max_ocr_pages

pytestmark = pytest.mark.integration
OCR_TIMEOUT = 240.0  # a page of OCR takes seconds, more on a loaded machine
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _analysed(
    client: FlaskClient, tokens: dict[str, Any], name: str, data: bytes, *, ocr: bool = False
) -> dict[str, Any]:
    answer = upload(client, tokens, name, data)
    assert answer.status_code == 202, answer.json
    job = wait_for_job(client, tokens, answer.json["job"]["id"], timeout=OCR_TIMEOUT)
    assert job["status"] == "succeeded", job
    steps = {step["name"]: step["status"] for step in job["steps"]}
    assert steps == {"extract": "succeeded", "ocr": "succeeded" if ocr else "skipped", "analyze": "succeeded"}
    analysis = client.get(
        f"/api/v1/documents/{answer.json['document']['id']}/analysis", headers=bearer(tokens)
    )
    assert analysis.status_code == 200
    return dict(analysis.json)


def _scanned_pdf() -> bytes:
    """CONTRACT_TEXT printed and scanned at 300 dpi: page images in a PDF with no text layer."""
    pages = [render(lines, Scan(dpi=300)) for lines in wrap(CONTRACT_TEXT, 300)]
    out = io.BytesIO()
    pages[0].save(out, format="PDF", resolution=300.0, save_all=True, append_images=pages[1:])
    return out.getvalue()


def _filled_lease() -> bytes:
    """A lease form whose tenant and governing law were typed into form fields over the blanks."""
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=letter)
    page.setFont("Helvetica", 11)
    blank = "_" * 26
    width = page.stringWidth(blank, "Helvetica", 11)
    page.drawString(72, 720, "RESIDENTIAL LEASE AGREEMENT")
    page.drawString(72, 690, 'This Lease is made between Harbor View Properties LLC (the "Landlord") and')
    page.drawString(72, 670, f'{blank} (the "Tenant").')
    page.acroForm.textfield(
        name="tenant", value="Maria Gonzalez", x=72, y=666, width=width, height=16, borderWidth=0
    )
    rent = "The Tenant shall pay monthly rent of $"
    page.drawString(72, 655, f"{rent}{'_' * 12} on the first day of each month.")
    page.acroForm.textfield(
        name="rent",
        value="1,450.00",
        x=72 + page.stringWidth(rent, "Helvetica", 11),
        y=651,
        width=page.stringWidth("_" * 12, "Helvetica", 11),
        height=16,
        borderWidth=0,
    )
    prefix = "This Lease shall be governed by the laws of the State of "
    page.drawString(72, 640, f"{prefix}{blank}.")
    x = 72 + page.stringWidth(prefix, "Helvetica", 11)
    page.acroForm.textfield(name="law", value="Oregon", x=x, y=636, width=width, height=16, borderWidth=0)
    page.showPage()
    page.save()
    return out.getvalue()


def _docx_with_tracked_changes() -> bytes:
    base = io.BytesIO()
    document = docx.Document()
    for paragraph in CONTRACT_TEXT.split("\n\n"):
        document.add_paragraph(paragraph)
    document.save(base)
    tracked = (
        f'<w:p xmlns:w="{W}"><w:r><w:t xml:space="preserve">6. NOTICES. Notices are given in writing to the </w:t>'
        '</w:r><w:del w:id="90" w:author="Counsel"><w:r><w:delText>fax number</w:delText></w:r></w:del>'
        '<w:ins w:id="91" w:author="Counsel"><w:r><w:t>e-mail address</w:t></w:r></w:ins>'
        '<w:r><w:t xml:space="preserve"> of the other party.</w:t></w:r></w:p>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:sectPr", tracked.encode() + b"<w:sectPr", 1)
            target.writestr(item, data)
    return out.getvalue()


def test_a_scanned_pdf_is_read_by_ocr_and_analysed(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    analysis = _analysed(stack_client, tokens, "scan.pdf", _scanned_pdf(), ocr=True)
    assert analysis["ocr"] is True
    assert "automated reading of a scan" in analysis["summary"]
    assert analysis["governing_law"] == "Delaware"
    assert {party["name"] for party in analysis["parties"]} >= {"Acme Corporation", "Widget Labs LLC"}
    assert analysis["clauses"], "quotes verified against the OCR text"


def test_a_phone_photo_of_a_page_is_analysed(stack_client: FlaskClient, mailbox: Mailbox, email: str) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    answer = upload(stack_client, tokens, "IMG_2041.jpg", phone_photo())
    assert answer.json["document"]["content_type"] == "image/jpeg"
    job = wait_for_job(stack_client, tokens, answer.json["job"]["id"], timeout=OCR_TIMEOUT)
    assert job["status"] == "succeeded", job
    assert [step["name"] for step in job["steps"] if step["status"] == "succeeded"] == [
        "extract",
        "ocr",
        "analyze",
    ]
    analysis = stack_client.get(
        f"/api/v1/documents/{answer.json['document']['id']}/analysis", headers=bearer(tokens)
    ).json
    assert analysis["ocr"] is True
    assert analysis["effective_date"] == "2024-03-01"


def test_an_image_with_no_words_fails_no_text(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    rng = random.Random(2)
    noise = Image.frombytes("L", (400, 500), bytes(rng.randrange(256) for _ in range(400 * 500)))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    answer = upload(stack_client, tokens, "noise.png", out.getvalue())
    job = wait_for_job(stack_client, tokens, answer.json["job"]["id"], timeout=OCR_TIMEOUT)
    assert job["status"] == "failed"
    assert job["error"]["code"] == "no_text"
    assert {step["name"]: step["status"] for step in job["steps"]}["ocr"] == "failed"


def test_filled_in_form_values_reach_the_analysis(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    analysis = _analysed(stack_client, tokens, "lease.pdf", _filled_lease())
    assert "ocr" not in analysis or analysis["ocr"] is None
    assert "Maria Gonzalez" in {party["name"] for party in analysis["parties"]}
    assert analysis["governing_law"] == "Oregon"
    assert any("State of Oregon" in clause["text"] for clause in analysis["clauses"])
    rent = next(item for item in analysis["money"] if item["kind"] == "rent")
    assert (rent["amount"], rent["currency"], rent["period"]) == ("1450.00", "USD", "month")
    assert "$1,450.00" in rent["text"]


def test_a_word_file_with_tracked_changes_reads_as_accepted_and_says_so(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    analysis = _analysed(stack_client, tokens, "redline.docx", _docx_with_tracked_changes())
    assert analysis["has_tracked_changes"] is True
    assert "tracked changes nobody has accepted yet" in analysis["summary"]
    assert analysis["governing_law"] == "Delaware"


def test_a_scan_longer_than_ocr_can_read_in_time_fails_at_once(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    most = max_ocr_pages(stage("ocr").soft_time_limit)
    blank = Image.new("L", (20, 20), 255)
    out = io.BytesIO()
    blank.save(out, format="TIFF", save_all=True, append_images=[blank] * most)
    answer = upload(stack_client, tokens, "long-scan.tif", out.getvalue())
    job = wait_for_job(stack_client, tokens, answer.json["job"]["id"], timeout=OCR_TIMEOUT)
    assert job["status"] == "failed"
    assert job["error"]["code"] == "too_many_pages"
    assert f"the limit is {most}" in job["error"]["message"]
    assert {step["name"]: step["attempts"] for step in job["steps"]}["ocr"] == 1, (
        "failed at once, not retried"
    )


def test_ocr_moves_the_progress_on_page_by_page(
    stack_client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(stack_client, mailbox, email)
    pages = [render(lines, Scan(dpi=200)) for lines in wrap(CONTRACT_TEXT * 2, 200)][:3]
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    job_id = upload(stack_client, tokens, "three-pages.tif", out.getvalue()).json["job"]["id"]
    start, end = stage("ocr").progress
    seen: list[int] = []
    deadline = time.monotonic() + OCR_TIMEOUT
    while time.monotonic() < deadline:
        job = stack_client.get(f"/api/v1/jobs/{job_id}", headers=bearer(tokens)).json
        seen.append(job["progress"])
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.2)  # within the polling limit (RATE_LIMIT_POLL, 600/minute)
    assert job["status"] == "succeeded", job
    assert seen == sorted(seen), "progress never moves backwards"
    assert any(start < value < end for value in seen), (
        f"no page-by-page progress between {start} and {end}: {seen}"
    )
