"""The export ZIP built alone: what the worker writes, without the queue around it."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from common.analysis import Analysis, Clause, Deadline, Feedback, Money, Party, Recommendation, Risk
from web.jobs import download_name
from worker.export import ExportRequest, archive_name_for, build_export

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _analysis() -> Analysis:
    return Analysis(
        document_id="d1",
        analyzer="offline",
        summary="A short services agreement.",
        clauses=[Clause(type="governing_law", title="Governing law", text="laws of Delaware", page=1, risk="low",
                        explanation="Delaware law applies.")],
        recommendations=[
            Recommendation(id="rec-1", text="=HYPERLINK(\"http://x\")", rationale='He said "no", then, left.\nTwice.',
                           feedback=Feedback(verdict="edited", comment="a,b", edited_text="line1\nline2", at=NOW)),
            Recommendation(id="rec-2", text="-1+1", rationale="Exposure."),
        ],
        contract_type="lease",
        parties=[Party(name="Harbor Homes LLC", role="Landlord"), Party(name="Maria Lopez", role="Tenant", kind="person")],
        perspective="Tenant",
        money=[Money(kind="rent", amount="1450.00", currency="USD", period="month", text="rent of $1,450.00 per month")],
        deadlines=[Deadline(kind="term_end", date="2026-02-28", text="ends on February 28, 2026"),
                   Deadline(kind="termination_notice", days=30, text="30 days' written notice")],
        risks=[Risk(id="risk-1", severity="medium", title="Late fee", detail="You pay $75 if late.",
                    code="late_fee_or_penalty", against=["Tenant"], quote="a late fee of $75.00")],
    )  # fmt: skip


def _build(tmp_path: Path, include_ai: bool = True, original: Path | None = None) -> zipfile.ZipFile:
    target = tmp_path / "out.zip"
    build_export(
        target,
        ExportRequest(document={"id": "d1", "page_count": 1}, job={"id": "j1"}, filename="contract.pdf", analysis=_analysis(),
                      include_ai=include_ai, generated_at=NOW, original=original),
    )  # fmt: skip
    return zipfile.ZipFile(target)


def test_the_csv_round_trips_commas_quotes_and_newlines(tmp_path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(_build(tmp_path).read("recommendations.csv").decode())))
    assert rows[0]["rationale"] == 'He said "no", then, left.\nTwice.'
    assert rows[0]["comment"] == "a,b"
    assert rows[0]["edited_text"] == "line1\nline2"
    assert rows[1]["verdict"] == ""


def test_a_cell_that_starts_like_a_formula_is_defused(tmp_path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(_build(tmp_path).read("recommendations.csv").decode())))
    assert rows[0]["text"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["text"] == "'-1+1"


def test_the_reports_show_the_side_the_money_and_the_deadlines(tmp_path: Path) -> None:
    archive = _build(tmp_path)
    for name in ("report.html", "report.md"):
        report = archive.read(name).decode()
        assert "Lease" in report
        assert "Tenant" in report
        assert "Risks for you" in report
        assert "1450.00 USD" in report
        assert "2026-02-28" in report
        assert "30 days' notice" in report or "30 days&#39; notice" in report
        assert "a late fee of $75.00" in report


def test_the_dated_deadlines_travel_as_a_calendar(tmp_path: Path) -> None:
    archive = _build(tmp_path)
    calendar = archive.read("deadlines.ics").decode()
    assert calendar.startswith("BEGIN:VCALENDAR")
    assert calendar.count("BEGIN:VEVENT") == 1  # the notice period has no date to put
    assert "DTSTART;VALUE=DATE:20260228" in calendar
    manifest = json.loads(archive.read("manifest.json"))
    assert "deadlines.ics" in {f["name"] for f in manifest["files"]}


def test_without_ai_export_the_recommendations_are_left_out_and_the_report_says_so(tmp_path: Path) -> None:
    archive = _build(tmp_path, include_ai=False)
    assert json.loads(archive.read("analysis.json"))["recommendations"] == []
    assert archive.read("recommendations.csv").decode().strip().count("\n") == 0
    assert "left out of this export" in archive.read("report.html").decode()
    assert "left out of this export" in archive.read("report.md").decode()
    assert "Ask for a cap" not in archive.read("report.html").decode()


def test_the_original_is_stored_under_original_with_its_name(tmp_path: Path) -> None:
    original = tmp_path / "upload"
    original.write_bytes(b"%PDF-1.4 pretend" * 1000)
    archive = _build(tmp_path, original=original)
    assert archive.read("original/contract.pdf") == original.read_bytes()


def test_the_markdown_report_neutralises_markup(tmp_path: Path) -> None:
    markdown = _build(tmp_path).read("report.md").decode()
    assert '=HYPERLINK\\("http://x"\\)' in markdown


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Master Services Agreement.pdf", "Master_Services_Agreement-review.zip"),
        ('evil"; filename=x.exe\r\n.pdf', "evil_filenamex.exe-review.zip"),
        ("../../etc/passwd", "passwd-review.zip"),
        ("<script>alert(1)</script>.docx", "script-review.zip"),
        ("Vertrag über Lieferung.pdf", "Vertrag_uber_Lieferung-review.zip"),
        ("契約書.pdf", "contract-review.zip"),
    ],
)
def test_the_download_name_is_safe_in_a_header(name: str, expected: str) -> None:
    assert download_name(name) == expected


@pytest.mark.parametrize("name", ["../../x.pdf", "..\\x.pdf", ".hidden"])
def test_the_original_cannot_climb_out_of_its_folder(name: str) -> None:
    inside = archive_name_for(name)
    assert inside.startswith("original/")
    assert ".." not in inside.removeprefix("original/").split("/")[0][:2]
    assert inside.count("/") == 1


def test_every_entry_carries_the_time_the_export_was_made(tmp_path: Path) -> None:
    assert {info.date_time for info in _build(tmp_path).infolist()} == {(2026, 11, 28, 12, 0, 0)}
