"""Build the learned clause model shipped with the offline analyzer, reproducibly.

    .venv/bin/python scripts/train_clause_model.py --corpus ../shared/data/cuad-dev [--out worker/clause_model.npz]

Trains only on the development slice's lawyer-labelled spans (CUAD v1, CC BY 4.0); fixed seed, so the same corpus
gives the same file. Prints each category's decision and the file's size.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from worker.clause_model import MODEL_PATH
from worker.clause_training import categories_of, load_corpus, prepare, train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, required=True, help="a folder with txt/ and labels/")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    contracts = load_corpus(args.corpus)
    if not contracts:
        print(f"no labelled contracts under {args.corpus}")
        return 1
    categories = categories_of(contracts)
    model = train([prepare(contract, categories) for contract in contracts], seed=args.seed)
    model.save(args.out)
    for category, decision in sorted(model.decisions.items()):
        print(f"{category:38} {decision.mode:7} {decision.threshold:+.2f}")
    print(
        f"{len(contracts)} contracts, {model.meta['sentences']} sentences, {len(model.vocabulary)} features, "
        f"{model.weights.nnz} weights; {args.out} is {args.out.stat().st_size / 1024:.0f} KiB "
        f"({time.perf_counter() - started:.0f}s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
