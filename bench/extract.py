"""PDF text extractors side by side on CUAD: how true (token F1 against CUAD's official text), how fast (pages per
CPU second), how big (peak RSS), how often they fail; and what our own wrapper costs on top of its library.

    python -m bench.extract --corpus /work/shared/data/cuad-dev/pdf [--txt ../txt] [--repeat 3]

Each extractor runs over the whole corpus in a fresh Python process, so its peak RSS is its own (poppler's
`pdftotext` runs as a child per file: its CPU time and peak RSS are the children's). `worker.extract` is the
project's extractor (PDFium with form fields, page budget and defences); `pypdfium2` is the plain library call
it wraps, so their ratio is the wrapper's overhead. The official text is `txt/<same name>.txt`.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.memory import peak_rss_mb

EXTRACTORS = ("pypdf", "pypdfium2", "pdftotext", "worker.extract")
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class FileResult:
    name: str
    pages: int
    error: str = ""
    text: str = ""


@dataclass(frozen=True)
class RunResult:
    extractor: str
    files: list[FileResult]
    cpu_seconds: float
    peak_rss_mb: float


# --- the extractors, each a path in and pages out --------------------------------------------------------


def _pypdf(path: Path) -> list[str]:
    from pypdf import PdfReader

    with path.open("rb") as fh:
        return [page.extract_text() for page in PdfReader(fh).pages]


def _pypdfium2(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        pages = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return pages
    finally:
        pdf.close()


def _pdftotext(path: Path) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    pages = out.split("\f")
    return pages[:-1] if len(pages) > 1 and not pages[-1].strip() else pages


def _ours(path: Path) -> list[str]:
    from common.filetypes import PDF
    from worker.extract import extract_text

    return extract_text(path, PDF).pages


_RUNNERS: dict[str, Callable[[Path], list[str]]] = {
    "pypdf": _pypdf,
    "pypdfium2": _pypdfium2,
    "pdftotext": _pdftotext,
    "worker.extract": _ours,
}


def run_one(extractor: str, corpus: Path) -> RunResult:
    """Extract every PDF of the corpus once; CPU time is this process's and its children's."""
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    extract = _RUNNERS[extractor]
    paths = sorted(corpus.glob("*.pdf"))
    _import_untimed(extractor)
    files: list[FileResult] = []
    started = _cpu_seconds()
    for path in paths:
        try:
            pages = extract(path)
            files.append(FileResult(path.stem, len(pages), text="\n".join(pages)))
        except Exception as exc:  # a bench counts failures instead of stopping
            files.append(FileResult(path.stem, 0, error=f"{type(exc).__name__}: {exc}"[:80]))
    cpu_seconds = _cpu_seconds() - started
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return RunResult(extractor, files, cpu_seconds, max(peak_rss_mb(), child_mb))


def _import_untimed(extractor: str) -> None:
    """Import the library before the clock starts: a worker imports it once, not per document."""
    modules = {"pypdf": "pypdf", "pypdfium2": "pypdfium2", "worker.extract": "worker.extract"}
    if extractor in modules:
        __import__(modules[extractor])


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# --- scoring and the table ---------------------------------------------------------------------------------


def token_f1(candidate: str, reference: str) -> float:
    """Bag-of-words F1 over lower-cased word tokens: order-free, so layout differences do not count."""
    got = Counter(_TOKEN.findall(candidate.lower()))
    want = Counter(_TOKEN.findall(reference.lower()))
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision = common / sum(got.values())
    recall = common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class Row:
    extractor: str
    files: int
    pages: int
    failures: int
    f1: float
    pages_per_cpu_second: float
    peak_rss_mb: float


def score(result: RunResult, txt: Path) -> Row:
    done = [f for f in result.files if not f.error]
    scores = [
        token_f1(f.text, (txt / f"{f.name}.txt").read_text(encoding="utf-8", errors="replace"))
        for f in done
        if (txt / f"{f.name}.txt").exists()
    ]
    pages = sum(f.pages for f in done)
    return Row(
        result.extractor,
        len(result.files),
        pages,
        len(result.files) - len(done),
        sum(scores) / len(scores) if scores else 0.0,
        pages / result.cpu_seconds if result.cpu_seconds else 0.0,
        result.peak_rss_mb,
    )


def print_table(rows: list[Row]) -> None:
    baseline = next((r for r in rows if r.extractor == "pypdf"), None)
    print(
        f"{'extractor':<15} {'files':>5} {'pages':>6} {'failed':>6} {'token F1':>8} {'pages/CPU s':>11} "
        f"{'× pypdf':>7} {'peak RSS MB':>11}"
    )
    for row in rows:
        speedup = row.pages_per_cpu_second / baseline.pages_per_cpu_second if baseline else 0.0
        print(
            f"{row.extractor:<15} {row.files:>5} {row.pages:>6} {row.failures:>6} {row.f1:>8.4f} "
            f"{row.pages_per_cpu_second:>11.1f} {speedup:>7.1f} {row.peak_rss_mb:>11.1f}"
        )
    by_name = {row.extractor: row for row in rows}
    lib, ours = by_name.get("pypdfium2"), by_name.get("worker.extract")
    if lib and ours and lib.pages_per_cpu_second:
        overhead = (
            lib.pages_per_cpu_second / ours.pages_per_cpu_second - 1 if ours.pages_per_cpu_second else 0
        )
        print(
            f"\nworker.extract wrapper overhead over the plain pypdfium2 call: {overhead:+.0%} CPU per page"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, required=True, help="folder of CUAD .pdf files")
    parser.add_argument(
        "--txt", type=Path, help="folder of the official .txt (default: ../txt beside --corpus)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds of every extractor; each one's fastest counts"
    )
    parser.add_argument("--only", choices=EXTRACTORS, help=argparse.SUPPRESS)  # the child process's side
    args = parser.parse_args()
    if args.only:
        result = run_one(args.only, args.corpus)
        json.dump(
            {
                "extractor": result.extractor,
                "cpu_seconds": result.cpu_seconds,
                "peak_rss_mb": result.peak_rss_mb,
                "files": [f.__dict__ for f in result.files],
            },
            sys.stdout,
        )
        return
    txt = args.txt or args.corpus.parent / "txt"
    extractors = [name for name in EXTRACTORS if name != "pdftotext" or shutil.which("pdftotext")]
    if "pdftotext" not in extractors:
        print("pdftotext is missing (apt-get install poppler-utils); its row is left out", file=sys.stderr)
    # Round by round, each extractor once per round, so a machine that gets busier or quieter during the run
    # weighs on every row alike; the fastest round of each counts.
    best: dict[str, RunResult] = {}
    for round_number in range(max(args.repeat, 1)):
        for extractor in extractors:
            started = time.perf_counter()
            result = _run_child(extractor, args.corpus)
            if extractor not in best or result.cpu_seconds < best[extractor].cpu_seconds:
                best[extractor] = result
            print(
                f"  round {round_number + 1} {extractor}: {time.perf_counter() - started:.1f} s wall",
                file=sys.stderr,
            )
    print_table([score(best[extractor], txt) for extractor in extractors])


def _run_child(extractor: str, corpus: Path) -> RunResult:
    """One pass of one extractor over the corpus in a fresh process (so its peak RSS is its own)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.extract", "--corpus", str(corpus), "--only", extractor],
        capture_output=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    data = json.loads(out)
    return RunResult(
        data["extractor"],
        [FileResult(**f) for f in data["files"]],
        data["cpu_seconds"],
        data["peak_rss_mb"],
    )


if __name__ == "__main__":
    main()
