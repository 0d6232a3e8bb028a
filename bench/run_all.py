"""Run every bench in turn and print their tables: `make bench`.

    python -m bench.run_all [--corpus ../shared/data/cuad-dev] [--docs 50] [--duration 10]

quality and extract need the CUAD development slice; they are skipped, with a message, when it is absent.
The benches run one after another (never at once): each measures throughput on the same few cores.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "cuad-dev"


@dataclass(frozen=True)
class Bench:
    name: str
    argv: list[str]
    skip_reason: str = ""


def benches(corpus: Path, docs: int, duration: int) -> list[Bench]:
    python = sys.executable
    missing = "" if corpus.is_dir() else f"no corpus at {corpus} (pass --corpus)"
    pdfs = corpus / "pdf"
    return [
        Bench("quality", [python, "-m", "bench.quality", "--corpus", str(corpus)], missing),
        Bench(
            "extract",
            [python, "-m", "bench.extract", "--corpus", str(pdfs)],
            missing or ("" if pdfs.is_dir() else f"no PDF folder at {pdfs}"),
        ),
        Bench("ocr", [python, "-m", "bench.ocr", "--corpus", str(corpus)], missing),
        Bench("pipeline", [python, "-m", "bench.pipeline", "--docs", str(docs)]),
        Bench("api", [python, "-m", "bench.api", "--duration", str(duration)]),
        Bench("slow_clients", [python, "-m", "bench.slow_clients", "--duration", str(min(duration, 8))]),
        Bench("export", [python, "-m", "bench.export"]),
        Bench("autoscale", [python, "-m", "bench.autoscale"]),
    ]


def run(bench: Bench) -> tuple[str, float]:
    """The bench's outcome ('ok', 'skipped: …' or 'failed: exit N') and its wall time; output streams through."""
    print(f"\n===== {bench.name} =====", flush=True)
    if bench.skip_reason:
        print(f"skipped: {bench.skip_reason}", flush=True)
        return f"skipped: {bench.skip_reason}", 0.0
    started = time.perf_counter()
    code = subprocess.run(bench.argv, cwd=ROOT, check=False).returncode
    return ("ok" if code == 0 else f"failed: exit {code}"), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="CUAD slice for quality and extract"
    )
    parser.add_argument("--docs", type=int, default=50, help="documents for the pipeline bench (50)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk scenario (10)")
    args = parser.parse_args()
    outcomes = [(bench.name, *run(bench)) for bench in benches(args.corpus, args.docs, args.duration)]
    print("\n===== summary =====")
    for name, outcome, seconds in outcomes:
        print(f"{name:<9} {outcome:<40} {seconds:6.0f} s")
    sys.exit(1 if any(outcome.startswith("failed") for _, outcome, _ in outcomes) else 0)


if __name__ == "__main__":
    main()
