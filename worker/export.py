"""The export stage: an analysis, its recommendations with the user's verdicts, and optionally the original,
as one ZIP written to a file (streamed: the original is never held in memory)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import jinja2

from common.analysis import Analysis, ContractType
from common.blobs import CHUNK
from common.calendar import deadlines_ics

CONTRACT_TYPE_NAMES: dict[ContractType, str] = {
    "lease": "Lease",
    "employment": "Employment",
    "contractor": "Contractor agreement",
    "terms_of_service": "Terms of service",
    "nda": "Non-disclosure agreement",
    "investment": "Investment",
    "loan": "Loan",
    "services": "Services agreement",
    "license": "Licence",
    "purchase": "Purchase",
    "other": "Contract",
}
CSV_COLUMNS = ("id", "text", "rationale", "clause_type", "verdict", "comment", "edited_text", "feedback_at")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection: every formula lead


@dataclass(frozen=True)
class ManifestEntry:
    name: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class ExportRequest:
    document: dict[str, Any]  # the document as the API shows it
    job: dict[str, Any]  # the export job as the API shows it
    filename: str
    analysis: Analysis
    include_ai: bool
    generated_at: datetime
    original: Path | None = None


def _markdown_text(value: object) -> str:
    """Plain text safe inside Markdown: no markup of the document's can turn into links, images or HTML."""
    text = " ".join(str(value).split())
    for char in "\\`*_{}[]<>()#|!":
        text = text.replace(char, "\\" + char)
    return text


def _markdown_quote(value: object) -> str:
    return "\n".join("> " + _markdown_text(line) for line in str(value).splitlines() if line.strip()) or "> "


_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("worker", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)
_templates.filters["md"] = _markdown_text
_templates.filters["quote"] = _markdown_quote


def _csv_cell(value: str | None) -> str:
    """Text as is, except that a leading formula character is defused so spreadsheets show it, not run it."""
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def recommendations_csv(analysis: Analysis, include_ai: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rec in analysis.recommendations if include_ai else []:
        feedback = rec.feedback
        writer.writerow(
            _csv_cell(v)
            for v in (
                rec.id,
                rec.text,
                rec.rationale,
                rec.clause_type,
                feedback.verdict if feedback else "",
                feedback.comment if feedback else "",
                feedback.edited_text if feedback else "",
                feedback.at.isoformat() if feedback else "",
            )
        )
    return out.getvalue()


def _render(name: str, request: ExportRequest, analysis: Analysis) -> str:
    return _templates.get_template(name).render(
        document={**request.document, "filename": request.filename},
        analysis=analysis,
        include_ai=request.include_ai,
        generated_at=request.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        contract_type=CONTRACT_TYPE_NAMES[analysis.contract_type],
    )


class _HashingWriter:
    """Writes into a ZIP entry and keeps its SHA-256 and size for the manifest."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.target.write(data)


def _entry(name: str, when: datetime, compress_type: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = compress_type
    return info


def _add(
    archive: zipfile.ZipFile, name: str, data: bytes, entries: list[ManifestEntry], when: datetime
) -> None:
    with archive.open(_entry(name, when, zipfile.ZIP_DEFLATED), "w") as target:
        writer = _HashingWriter(target)
        writer.write(data)
    entries.append(ManifestEntry(name, writer.digest.hexdigest(), writer.size))


def _add_file(
    archive: zipfile.ZipFile, name: str, path: Path, entries: list[ManifestEntry], when: datetime
) -> None:
    # Stored, not deflated: PDFs and DOCX are compressed already, and storing is several times faster.
    info = _entry(name, when, zipfile.ZIP_STORED)
    with archive.open(info, "w", force_zip64=True) as target, path.open("rb") as source:
        writer = _HashingWriter(target)
        while chunk := source.read(CHUNK):
            writer.write(chunk)
    entries.append(ManifestEntry(name, writer.digest.hexdigest(), writer.size))


def archive_name_for(filename: str) -> str:
    """`original/<filename>` with nothing that could climb out of the folder when unzipped."""
    safe = filename.replace("\\", "_").replace("/", "_").lstrip(".") or "document"
    return f"original/{safe}"


def build_export(target: Path, request: ExportRequest) -> list[ManifestEntry]:
    """Write the export ZIP to `target`; answers the manifest's file list."""
    analysis = (
        request.analysis
        if request.include_ai
        else request.analysis.model_copy(update={"recommendations": []})
    )
    entries: list[ManifestEntry] = []
    when = request.generated_at
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        _add(archive, "report.html", _render("report.html.j2", request, analysis).encode(), entries, when)
        _add(archive, "report.md", _render("report.md.j2", request, analysis).encode(), entries, when)
        _add(
            archive,
            "analysis.json",
            json.dumps(analysis.public().model_dump(mode="json"), indent=2).encode(),
            entries,
            when,
        )
        _add(
            archive,
            "recommendations.csv",
            recommendations_csv(analysis, request.include_ai).encode(),
            entries,
            when,
        )
        calendar = deadlines_ics(analysis, request.filename, request.generated_at)
        _add(archive, "deadlines.ics", calendar, entries, when)
        if request.original is not None:
            _add_file(archive, archive_name_for(request.filename), request.original, entries, when)
        manifest = {
            "document": request.document,
            "job": request.job,
            "generated_at": request.generated_at.isoformat().replace("+00:00", "Z"),
            "files": [{"name": e.name, "sha256": e.sha256, "bytes": e.bytes} for e in entries],
        }
        archive.writestr(_entry("manifest.json", when, zipfile.ZIP_DEFLATED), json.dumps(manifest, indent=2))
    return entries
