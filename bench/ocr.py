"""OCR accuracy and speed: CUAD dev texts drawn as page images, read back through worker.ocr.

    python -m bench.ocr [--corpus ../shared/data/cuad-dev] [--docs 2] [--pages 1] [--sample PDF]

Two conditions, each the same pages: a clean 300-dpi scan, and a 200-dpi scan turned 2° with mild noise and
blur (bench/rendering.py). Each page goes through `worker.ocr.ocr_images`, the functions the OCR step runs
(deskew, Tesseract, the upright retry). Character accuracy = 1 - Levenshtein distance ÷ source length, after
collapsing runs of whitespace and reading curly quotes as straight ones on both sides; pages per CPU second
count this process and its Tesseract children, so they are pages per core. `--sample` also reads every page
of a scanned PDF (e.g. ../shared/data/samples/image-only-scan.pdf) for its speed and word count. Defaults are
a few pages: the machine is shared.
"""

from __future__ import annotations

import argparse
import re
import resource
import time
from dataclasses import dataclass
from pathlib import Path

from bench.rendering import Scan, page_text, render, wrap
from common.config import Settings
from common.filetypes import PDF
from worker.analyze import analyze
from worker.extract import extract_text
from worker.ocr import ocr_document, ocr_images

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "cuad-dev"
CONDITIONS = {
    "300 dpi clean": Scan(dpi=300),
    "200 dpi, 2° skew, noise": Scan(dpi=200, skew_degrees=2.0, noise=0.12, blur=0.6, seed=7),
}
TARGETS = {"300 dpi clean": 0.98, "200 dpi, 2° skew, noise": 0.95}
_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


@dataclass(frozen=True)
class Row:
    condition: str
    pages: int
    accuracy_mean: float
    accuracy_min: float
    pages_per_cpu_second: float
    wall_seconds: float
    target: float | None


def levenshtein(a: str, b: str) -> int:
    """Edit distance by Hyyrö's bit-parallel form of Myers' algorithm: one pass over b with a-long bit sets."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    masks: dict[str, int] = {}
    for index, char in enumerate(a):
        masks[char] = masks.get(char, 0) | (1 << index)
    full = (1 << len(a)) - 1
    high = 1 << (len(a) - 1)
    positive, negative, score = full, 0, len(a)
    for char in b:
        eq = masks.get(char, 0)
        vertical = eq | negative
        horizontal = (((eq & positive) + positive) ^ positive) | eq
        plus = negative | (~(horizontal | positive) & full)
        minus = positive & horizontal
        if plus & high:
            score += 1
        elif minus & high:
            score -= 1
        plus = ((plus << 1) | 1) & full
        minus = (minus << 1) & full
        positive = minus | (~(vertical | plus) & full)
        negative = plus & vertical
    return score


def normalise(text: str) -> str:
    return _SPACES.sub(" ", text.translate(_QUOTES)).strip()


def character_accuracy(read: str, source: str) -> float:
    want, got = normalise(source), normalise(read)
    return max(0.0, 1 - levenshtein(want, got) / max(len(want), 1))


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _source_pages(corpus: Path, docs: int, pages: int, dpi: int) -> list[list[str]]:
    texts = sorted((corpus / "txt").glob("*.txt"))[:docs]
    out = []
    for path in texts:
        out += wrap(path.read_text(encoding="utf-8", errors="replace"), dpi)[:pages]
    return out


def measure(condition: str, scan: Scan, corpus: Path, docs: int, pages: int) -> Row:
    sources = _source_pages(corpus, docs, pages, scan.dpi)
    images = [render(lines, scan) for lines in sources]
    started_cpu, started_wall = _cpu_seconds(), time.perf_counter()
    texts = list(ocr_images(images, len(images)))
    cpu, wall = _cpu_seconds() - started_cpu, time.perf_counter() - started_wall
    scores = [character_accuracy(text, page_text(lines)) for text, lines in zip(texts, sources, strict=True)]
    return Row(
        condition,
        len(images),
        sum(scores) / len(scores),
        min(scores),
        len(images) / cpu if cpu else 0.0,
        wall,
        TARGETS.get(condition),
    )


def measure_sample(path: Path) -> str:
    """A scanned PDF through extract, OCR and the offline analyzer: speed, words, parties and governing law."""
    extracted = extract_text(path, PDF)
    started_cpu, started_wall = _cpu_seconds(), time.perf_counter()
    read = ocr_document(path, PDF, extracted.ocr_pages)
    cpu, wall = _cpu_seconds() - started_cpu, time.perf_counter() - started_wall
    pages = [read.get(number, text) for number, text in enumerate(extracted.pages)]
    analysis = analyze(pages, "sample", Settings())
    words = sum(len(text.split()) for text in read.values())
    parties = "; ".join(party.name for party in analysis.parties)
    return (
        f"{path.name}: {len(read)} pages OCR'd, {words} words, {len(read) / cpu if cpu else 0.0:.3f} pages/CPU s, "
        f"{wall:.1f} s wall\n  parties: {parties}\n  governing law: {analysis.governing_law}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="CUAD dev folder (with txt/)")
    parser.add_argument("--docs", type=int, default=2, help="contracts to take pages from")
    parser.add_argument("--pages", type=int, default=1, help="pages of each contract")
    parser.add_argument("--sample", type=Path, help="a scanned PDF to read whole, for speed")
    args = parser.parse_args()
    rows = [measure(name, scan, args.corpus, args.docs, args.pages) for name, scan in CONDITIONS.items()]
    print(
        f"{'condition':<26} {'pages':>5} {'char acc':>8} {'min':>6} {'target':>6} {'pages/CPU s':>11} {'wall s':>7}"
    )
    for row in rows:
        target = f"{row.target:.2f}" if row.target is not None else "-"
        print(
            f"{row.condition:<26} {row.pages:>5} {row.accuracy_mean:>8.4f} {row.accuracy_min:>6.3f} {target:>6} "
            f"{row.pages_per_cpu_second:>11.3f} {row.wall_seconds:>7.1f}"
        )
    if args.sample:
        print("\n" + measure_sample(args.sample))


if __name__ == "__main__":
    main()
