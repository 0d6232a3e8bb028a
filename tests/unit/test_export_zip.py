"""The export ZIP built alone: what the worker writes, without the queue around it."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from common.analysis import Analysis, Clause, Feedback, Recommendation
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
            Recommendation(id="rec-2", text="Ask for a cap.", rationale="Exposure."),
        ],
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
        ("Master Services Agreement.pdf", "Master-Services-Agreement-review.zip"),
        ('evil"; filename=x.exe\r\n.pdf', "evil-filename-x.exe-review.zip"),
        ("../../etc/passwd", "passwd-review.zip"),
        ("<script>alert(1)</script>.docx", "script-review.zip"),
        ("Vertrag über Lieferung.pdf", "Vertrag-uber-Lieferung-review.zip"),
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
