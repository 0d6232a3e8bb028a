"""Values typed into a filled-in PDF form, and free-text notes, are part of the page text where they stand."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from common.filetypes import PDF
from worker.extract import extract_text
from worker.pdf_text import CHECKED, UNCHECKED


def _filled_lease() -> bytes:
    """A one-page lease form as a landlord's PDF software leaves it: labels on the page, values in fields."""
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=letter)
    page.setFont("Helvetica", 12)
    page.drawString(72, 720, "RESIDENTIAL LEASE AGREEMENT")
    page.drawString(72, 690, "Tenant:")
    page.acroForm.textfield(
        name="tenant", value="Jane Q. Renter", x=130, y=685, width=220, height=18, borderWidth=0
    )
    page.drawString(72, 660, "Monthly rent:")
    page.acroForm.textfield(
        name="rent", value="USD 1,250.00", x=160, y=655, width=150, height=18, borderWidth=0
    )
    page.acroForm.checkbox(name="pets", checked=True, x=72, y=627, size=12, borderWidth=0)
    page.drawString(90, 630, "Pets are allowed.")
    page.acroForm.checkbox(name="smoking", checked=False, x=72, y=607, size=12, borderWidth=0)
    page.drawString(90, 610, "Smoking is allowed.")
    # A field with no label on its line stands between the lines above and below it.
    page.acroForm.textfield(
        name="start", value="Starting on 1 March 2027", x=72, y=560, width=300, height=18, borderWidth=0
    )
    page.drawString(72, 520, "The Tenant shall pay the rent on the first day of each month.")
    page.showPage()
    page.save()
    return out.getvalue()


def _with_note(pdf: bytes, note: str, rect: tuple[float, float, float, float]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_annotation(page_number=0, annotation=FreeText(text=note, rect=rect))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in extract_text(path, PDF).pages[0].splitlines()]


def test_text_field_values_follow_their_labels(tmp_path: Path) -> None:
    path = tmp_path / "lease.pdf"
    path.write_bytes(_filled_lease())
    lines = _lines(path)
    assert "Tenant: Jane Q. Renter" in lines
    assert "Monthly rent: USD 1,250.00" in lines


def test_ticked_and_empty_boxes_read_before_their_labels(tmp_path: Path) -> None:
    path = tmp_path / "lease.pdf"
    path.write_bytes(_filled_lease())
    lines = _lines(path)
    assert f"{CHECKED} Pets are allowed." in lines
    assert f"{UNCHECKED} Smoking is allowed." in lines


def test_a_field_alone_on_its_line_stands_between_its_neighbours(tmp_path: Path) -> None:
    path = tmp_path / "lease.pdf"
    path.write_bytes(_filled_lease())
    lines = _lines(path)
    start = lines.index("Starting on 1 March 2027")
    assert lines[start - 1].endswith("Smoking is allowed.")
    assert lines[start + 1].startswith("The Tenant shall pay the rent")


def test_free_text_note_is_read_where_it_stands(tmp_path: Path) -> None:
    path = tmp_path / "noted.pdf"
    path.write_bytes(
        _with_note(_filled_lease(), "Late fee: USD 75 after the fifth day.", (72, 580, 400, 596))
    )
    lines = _lines(path)
    note = lines.index("Late fee: USD 75 after the fifth day.")
    assert lines[note + 1] == "Starting on 1 March 2027"


def test_form_values_are_not_read_twice(tmp_path: Path) -> None:
    path = tmp_path / "lease.pdf"
    path.write_bytes(_filled_lease())
    assert extract_text(path, PDF).pages[0].count("Jane Q. Renter") == 1
