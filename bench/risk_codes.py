"""Per-code precision and recall of the risk finder on CUAD, where a lawyer's clause label stands for the code.

    python -m bench.risk_codes --corpus ../shared/data/cuad-dev

A second corpus for the rules written against consumer-dev: a contract counts as having a code when CUAD labels
the matching category present (document level; which side it burdens is not scored here).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from worker.risk_finder import find_risks

# Catalogue code -> the CUAD categories whose presence means the contract holds it.
CUAD_CATEGORIES: dict[str, tuple[str, ...]] = {
    "auto_renewal": ("Renewal Term",),
    "termination_at_will": ("Termination for Convenience",),
    "liability_limited": ("Cap on Liability",),
    "uncapped_liability": ("Uncapped Liability",),
    "ip_assignment": ("IP Ownership Assignment",),
    "non_compete": ("Non-Compete",),
    "non_solicit": ("No-Solicit of Employees", "No-Solicit of Customers"),
    "late_fee_or_penalty": ("Liquidated Damages",),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    args = parser.parse_args(argv)
    counts = {code: [0, 0, 0] for code in CUAD_CATEGORIES}  # tp, fp, fn
    for text_path in sorted((args.corpus / "txt").glob("*.txt")):
        labels = json.loads((args.corpus / "labels" / f"{text_path.stem}.json").read_text(encoding="utf-8"))
        found = {risk.code for risk in find_risks([text_path.read_text(encoding="utf-8")])}
        for code, categories in CUAD_CATEGORIES.items():
            present = any(labels["categories"].get(c, {}).get("present") for c in categories)
            if code in found:
                counts[code][0 if present else 1] += 1
            elif present:
                counts[code][2] += 1
    print(f"{'risk code':22} {'precision':>9} {'recall':>7}   tp  fp  fn")
    for code, (tp, fp, fn) in counts.items():
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(f"{code:22} {precision:>9.2f} {recall:>7.2f} {tp:4} {fp:3} {fn:3}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
