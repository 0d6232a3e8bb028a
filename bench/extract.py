"""Pages per second of worker.extract.extract_text over a folder of PDF and DOCX files.

Beside it, in the same run, the plain library call (pypdf's page.extract_text() over PdfReader(path), or
python-docx's document.paragraphs) so the ratio shows what our checks, table walk and batching cost.

    python -m bench.extract --corpus /work/shared/data/cuad-dev/pdf [--repeat 3]
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import docx
from pypdf import PdfReader

from common.filetypes import DOCX, PDF, sniff_type
from worker.extract import ExtractionError, extract_text

_SHORT_TYPE = {PDF: "pdf", DOCX: "docx"}
T = TypeVar("T")


@dataclass(frozen=True)
class Row:
    name: str
    kind: str
    pages: int
    seconds: float
    baseline_seconds: float
    error: str = ""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, required=True, help="folder of .pdf / .docx files")
    parser.add_argument("--repeat", type=int, default=1, help="runs per file; the fastest counts")
    args = parser.parse_args()
    # pypdf logs a warning for every font it cannot fully decode; they would bury the table.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    rows = [_measure(path, content_type, args.repeat) for path, content_type in _corpus(args.corpus)]
    _print_table(rows)


def _corpus(folder: Path) -> list[tuple[Path, str]]:
    files = []
    for path in sorted(folder.iterdir()):
        content_type = sniff_type(path) if path.is_file() else None
        if content_type in _SHORT_TYPE:
            files.append((path, content_type))
    return files


def _measure(path: Path, content_type: str, repeat: int) -> Row:
    kind = _SHORT_TYPE[content_type]
    seconds, outcome = _fastest(lambda: _extract_once(path, content_type), repeat)
    if isinstance(outcome, str):
        return Row(path.name, kind, 0, seconds, 0.0, error=outcome)
    baseline = _pypdf_baseline if content_type == PDF else _docx_baseline
    baseline_seconds, _ = _fastest(lambda: baseline(path), repeat)
    return Row(path.name, kind, outcome, seconds, baseline_seconds)


def _extract_once(path: Path, content_type: str) -> int | str:
    """The page count, or the error code of a file that cannot be extracted."""
    try:
        return extract_text(path, content_type).page_count
    except ExtractionError as exc:
        return exc.code


def _fastest(run: Callable[[], T], repeat: int) -> tuple[float, T]:
    best = float("inf")
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def _pypdf_baseline(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def _docx_baseline(path: Path) -> list[str]:
    return [paragraph.text for paragraph in docx.Document(str(path)).paragraphs]


def _print_table(rows: list[Row]) -> None:
    width = max([len(row.name) for row in rows] + [5])
    print(f"{'file':<{width}}  type  pages  seconds  pages/s  baseline pages/s  ratio")
    for row in rows:
        if row.error:
            print(f"{row.name:<{width}}  {row.kind:<4}  {'-':>5}  {row.seconds:>7.2f}  failed: {row.error}")
            continue
        print(_format_row(row.name, row.kind, row.pages, row.seconds, row.baseline_seconds, width))
    done = [row for row in rows if not row.error]
    if done:
        total = _format_row(
            "TOTAL",
            "",
            sum(row.pages for row in done),
            sum(row.seconds for row in done),
            sum(row.baseline_seconds for row in done),
            width,
        )
        print(total)


def _format_row(name: str, kind: str, pages: int, seconds: float, baseline: float, width: int) -> str:
    rate = pages / seconds if seconds else 0.0
    baseline_rate = pages / baseline if baseline else 0.0
    ratio = rate / baseline_rate if baseline_rate else 0.0
    return (
        f"{name:<{width}}  {kind:<4}  {pages:>5}  {seconds:>7.2f}  {rate:>7.1f}  {baseline_rate:>16.1f}"
        f"  {ratio:>5.2f}"
    )


if __name__ == "__main__":
    main()
