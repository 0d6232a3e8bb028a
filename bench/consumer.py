"""Measure the analysis for the person who signs against the consumer-dev labels.

    python -m bench.consumer --corpus ../shared/data/consumer-dev [--analyzer offline|llm] [--json OUT] [--misses]

Each labelled document goes through the real extractor and the analyzer, then is framed for the labelled
perspective (as PUT /documents/{id}/perspective would). Printed: contract-type and perspective accuracy (the
analyzer's own guess), party recall and precision (a predicted party matching no labelled one counts against
precision), governing-law and effective-date accuracy, must-flag recall, the must-not-flag false-alarm rate, money
recall, per-code precision and recall, pages per second, and with --misses every miss. Documents that share most of
their text (see the corpus README) count as one data point together: each weighs 1/len(group).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bench.quality import ANALYZERS, Analyzer, law_ok, norm_name
from common.analysis import Analysis
from common.filetypes import sniff_type
from common.framing import frame, match_role
from worker.extract import extract_text

# Documents that share most of their terms (corpus README, "Known overlaps"): one data point per group.
OVERLAPS: tuple[frozenset[str], ...] = (
    frozenset({"contractor-open-development-internship", "contractor-open-software-developer"}),
    frozenset({"tos-mozilla-subscription-services", "tos-mdn-plus"}),
)


def weight(doc_id: str) -> float:
    for group in OVERLAPS:
        if doc_id in group:
            return 1 / len(group)
    return 1.0


@dataclass
class Labelled:
    id: str
    pages: list[str]
    labels: dict[str, Any]


def load_corpus(corpus: Path) -> list[Labelled]:
    docs: list[Labelled] = []
    for label_path in sorted((corpus / "labels").glob("*.json")):
        labels = json.loads(label_path.read_text(encoding="utf-8"))
        path = corpus / labels["file"]
        content_type = sniff_type(path)
        if content_type is None:
            raise SystemExit(f"{path}: not a type the service reads")
        docs.append(Labelled(labels["id"], extract_text(path, content_type).pages, labels))
    return docs


@dataclass
class Ratio:
    """A weighted share: hits over trials."""

    hits: float = 0.0
    trials: float = 0.0

    def add(self, hit: bool, w: float = 1.0) -> None:
        self.trials += w
        self.hits += w if hit else 0.0

    @property
    def value(self) -> float:
        return self.hits / self.trials if self.trials else 0.0


@dataclass
class CodeCounts:
    tp: float = 0.0
    fp: float = 0.0
    fn: float = 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    documents: int = 0
    pages: int = 0
    seconds: float = 0.0
    contract_type: Ratio = field(default_factory=Ratio)
    perspective: Ratio = field(default_factory=Ratio)
    party_recall: Ratio = field(default_factory=Ratio)
    party_precision: Ratio = field(default_factory=Ratio)
    governing_law: Ratio = field(default_factory=Ratio)
    effective_date: Ratio = field(default_factory=Ratio)
    must_flag: Ratio = field(default_factory=Ratio)
    false_alarms: Ratio = field(default_factory=Ratio)
    money: Ratio = field(default_factory=Ratio)
    codes: dict[str, CodeCounts] = field(default_factory=lambda: defaultdict(CodeCounts))
    misses: list[str] = field(default_factory=list)


def _same_party(predicted: str, labelled: str) -> bool:
    a, b = norm_name(predicted), norm_name(labelled)
    return bool(a) and bool(b) and (a == b or (min(len(a), len(b)) >= 4 and (a in b or b in a)))


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _money_found(analysis: Analysis, wanted: dict[str, Any]) -> bool:
    amount = _amount(str(wanted["amount"]))
    return any(
        m.kind == wanted["kind"] and m.currency == wanted["currency"] and _amount(m.amount) == amount
        for m in analysis.money
    )


def score(report: Report, doc: Labelled, analysis: Analysis) -> None:
    labels, w, doc_id = doc.labels, weight(doc.id), doc.id

    def miss(what: str) -> None:
        report.misses.append(f"{doc_id}: {what}")

    report.contract_type.add(analysis.contract_type == labels["contract_type"], w)
    if analysis.contract_type != labels["contract_type"]:
        miss(f"contract_type {analysis.contract_type!r}, labelled {labels['contract_type']!r}")
    wanted_role = labels["perspective"]
    guessed = analysis.perspective is not None and match_role(analysis, wanted_role) == analysis.perspective
    report.perspective.add(guessed, w)
    if not guessed:
        miss(f"perspective {analysis.perspective!r}, labelled {wanted_role!r}")

    for party in labels["parties"]:
        found = any(_same_party(p.name, party["name"]) for p in analysis.parties)
        report.party_recall.add(found, w)
        if not found:
            miss(f"party not found: {party['name']!r} ({party['role']})")
    for predicted in analysis.parties:
        real = any(_same_party(predicted.name, party["name"]) for party in labels["parties"])
        report.party_precision.add(real, w)
        if not real:
            miss(f"junk party: {predicted.name!r} ({predicted.role})")

    law_right = law_ok(analysis.governing_law, labels["governing_law"])
    report.governing_law.add(law_right, w)
    if not law_right:
        miss(f"governing_law {analysis.governing_law!r}, labelled {labels['governing_law']!r}")
    wanted_date = labels["effective_date"]
    got_date = analysis.effective_date.isoformat() if analysis.effective_date else None
    report.effective_date.add(got_date == wanted_date, w)
    if got_date != wanted_date:
        miss(f"effective_date {got_date!r}, labelled {wanted_date!r}")

    for wanted in labels["money"]:
        found = _money_found(analysis, wanted)
        report.money.add(found, w)
        if not found:
            miss(f"money not found: {wanted}")

    framed = frame(analysis, match_role(analysis, wanted_role) or wanted_role)
    raised = {risk.code for risk in framed.risks}
    for code in labels["must_flag"]:
        report.must_flag.add(code in raised, w)
        counts = report.codes[code]
        if code in raised:
            counts.tp += w
        else:
            counts.fn += w
            miss(f"must flag {code}: {labels['evidence'].get(code, '')[:90]!r}")
    for code in labels["must_not_flag"]:
        report.false_alarms.add(code in raised, w)
        if code in raised:
            report.codes[code].fp += w
            quotes = [r.quote or r.detail for r in framed.risks if r.code == code]
            miss(f"false alarm {code}: {(quotes[0] if quotes else '')[:90]!r}")


def evaluate(analyzer: Analyzer, docs: list[Labelled]) -> Report:
    report = Report()
    for doc in docs:
        started = time.perf_counter()
        analysis = analyzer(doc.pages, doc.id)
        report.seconds += time.perf_counter() - started
        report.documents += 1
        report.pages += len(doc.pages)
        score(report, doc, analysis)
    return report


TARGETS: dict[str, tuple[str, float]] = {
    "contract_type": (">=", 0.90),
    "perspective": (">=", 0.80),
    "party_recall": (">=", 0.85),
    "party_precision": (">=", 0.85),
    "governing_law": (">=", 0.90),
    "must_flag_recall": (">=", 0.80),
    "false_alarm_rate": ("<=", 0.10),
    "money_recall": (">=", 0.70),
}


def summarise(report: Report) -> dict[str, Any]:
    return {
        "documents": report.documents,
        "contract_type": report.contract_type.value,
        "perspective": report.perspective.value,
        "party_recall": report.party_recall.value,
        "party_precision": report.party_precision.value,
        "governing_law": report.governing_law.value,
        "effective_date": report.effective_date.value,
        "must_flag_recall": report.must_flag.value,
        "false_alarm_rate": report.false_alarms.value,
        "money_recall": report.money.value,
        "pages_per_second": report.pages / report.seconds if report.seconds else 0.0,
        "codes": {
            code: {"precision": c.precision, "recall": c.recall, "tp": c.tp, "fp": c.fp, "fn": c.fn}
            for code, c in sorted(report.codes.items())
        },
        "misses": report.misses,
    }


def _meets(name: str, value: float) -> str:
    if name not in TARGETS:
        return ""
    op, goal = TARGETS[name]
    ok = value >= goal if op == ">=" else value <= goal
    return f"{op} {goal:.2f} {'ok' if ok else 'MISS'}"


def print_table(numbers: dict[str, Any], show_misses: bool) -> None:
    print(f"consumer-dev: {numbers['documents']} documents (overlapping ones weighted as one)")
    print(f"{'measure':24} {'value':>7}  target")
    for name in (*TARGETS, "effective_date"):
        print(f"{name:24} {numbers[name]:>7.3f}  {_meets(name, numbers[name])}")
    print(f"{'pages per second':24} {numbers['pages_per_second']:>7.0f}")
    print(f"\n{'risk code':26} {'precision':>9} {'recall':>7}")
    for code, c in numbers["codes"].items():
        print(f"{code:26} {c['precision']:>9.2f} {c['recall']:>7.2f}")
    if show_misses:
        print("\nmisses:")
        for line in numbers["misses"]:
            print(f"  {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--analyzer", choices=sorted(ANALYZERS), default="offline")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    make: Callable[[], Analyzer | None] = ANALYZERS[args.analyzer]
    analyzer = make()
    if analyzer is None:
        print(f"the {args.analyzer} analyzer is not configured", file=sys.stderr)
        return 2
    numbers = summarise(evaluate(analyzer, load_corpus(args.corpus)))
    print_table(numbers, args.misses)
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
