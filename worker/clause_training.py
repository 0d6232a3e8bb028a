"""Building the clause model from CUAD-style labels: sentences labelled from the lawyers' spans, one linear
classifier per category, and per category the decision (rules, model, either, both) that cross-validation favours.

Used by `scripts/train_clause_model.py` (the shipped model) and `bench/quality.py --folds K` (the honest estimate:
train on K-1 folds, score the one left out). Needs scikit-learn; the analyzer at run time does not import this.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.svm import LinearSVC

from worker.clause_model import (
    MODES,
    ClauseModel,
    Decision,
    Mode,
    Unit,
    context_texts,
    present,
    sentence_features,
    units,
)
from worker.offline_analyzer import Page, rule_hits

NOT_CLAUSES = frozenset({"Document Name", "Parties", "Agreement Date", "Effective Date", "Expiration Date"})
MIN_DOCUMENTS = 5  # a category needs this many contracts with it before a classifier is trained for it
MIN_UNIT_COUNT = 3  # a feature must occur in this many sentences to enter the vocabulary
REGULARISATION = 0.03  # LinearSVC's C (5-fold CV on cuad-dev: 0.03 → 0.806, 0.1 → 0.798)
PRUNE_BELOW = (
    0.02  # weights smaller than this are dropped from the file (they move scores by less than noise)
)
MIN_GAIN = 0.02  # a category leaves "rules" only when the out-of-fold F1 improves by at least this
INNER_FOLDS = 4
# Which decisions a category may take, where not all. Governing law feeds the `governing_law` field: the model may
# add it where the rules found nothing, never take the rules' hit away. Uncapped liability is a carve-out from a
# cap, which words alone cannot tell from the cap itself (an exclusion of indirect damages reads the same): the
# model may only confirm the rules' hit, never add one.
ALLOWED_MODES: dict[str, tuple[Mode, ...]] = {
    "governing_law": ("rules", "either"),
    "uncapped_liability": ("rules", "both"),
}
THRESHOLDS = tuple(round(-1.0 + 0.05 * i, 2) for i in range(41))  # -1.0 … 1.0 in LinearSVC's decision units


def snake(category: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", category.lower()).strip("_")


@dataclass(frozen=True)
class LabelledContract:
    id: str
    pages: list[str]
    present: dict[str, bool]  # category (snake_case) → the lawyers say it is there
    pieces: dict[str, list[tuple[int, int]]]  # category → labelled character ranges in the whole text


def load_corpus(folder: Path) -> list[LabelledContract]:
    """cuad-dev's layout: txt/<id>.txt and labels/<id>.json with spans as offsets into the text."""
    contracts: list[LabelledContract] = []
    for path in sorted((folder / "txt").glob("*.txt")):
        label_path = folder / "labels" / f"{path.stem}.json"
        if not label_path.exists():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        categories = json.loads(label_path.read_text(encoding="utf-8"))["categories"]
        present: dict[str, bool] = {}
        pieces: dict[str, list[tuple[int, int]]] = {}
        for name, label in categories.items():
            if name in NOT_CLAUSES:
                continue
            present[snake(name)] = bool(label["present"])
            pieces[snake(name)] = [
                (piece["start"], piece["end"])
                for span in label["spans"]
                for piece in span["pieces_located"]
                if piece
            ]
        contracts.append(LabelledContract(path.stem, text.split("\f"), present, pieces))
    return contracts


@dataclass
class Prepared:
    """A contract as the trainer sees it: its sentences, which of them are which clause, and what the rules say."""

    contract: LabelledContract
    units: list[Unit]
    labels: np.ndarray  # (sentences, categories) bool
    known: np.ndarray  # (sentences, categories) bool: False where a sentence only grazes a span (left out)
    rule_types: set[str]
    categories: tuple[str, ...]  # the columns of `labels`


def _overlap(start: int, end: int, pieces: Sequence[tuple[int, int]]) -> tuple[int, int]:
    covered = longest = 0
    for a, b in pieces:
        shared = min(end, b) - max(start, a)
        if shared > 0:
            covered += shared
            longest = max(longest, b - a)
    return covered, longest


def prepare(contract: LabelledContract, categories: Sequence[str]) -> Prepared:
    doc = [Page(number, text) for number, text in enumerate(contract.pages, start=1)]
    found = units(doc)
    offsets = np.cumsum([0] + [len(page) + 1 for page in contract.pages])
    labels = np.zeros((len(found), len(categories)), dtype=bool)
    known = np.ones_like(labels)
    for row, unit in enumerate(found):
        start, end = unit.start + offsets[unit.page], unit.end + offsets[unit.page]
        for column, category in enumerate(categories):
            covered, longest = _overlap(start, end, contract.pieces.get(category, []))
            if not covered:
                continue
            inside = covered >= 0.5 * (end - start) or covered >= 0.8 * longest
            labels[row, column] = inside
            known[row, column] = inside
    rules = {kind for kind, hits in rule_hits(doc).items() if hits}
    return Prepared(contract, found, labels, known, rules, tuple(categories))


def categories_of(contracts: Sequence[LabelledContract]) -> tuple[str, ...]:
    counts = Counter(c for contract in contracts for c, here in contract.present.items() if here)
    return tuple(sorted(c for c, n in counts.items() if n >= MIN_DOCUMENTS))


def _vocabulary(prepared: Sequence[Prepared]) -> tuple[dict[str, int], np.ndarray]:
    df: Counter[str] = Counter()
    total = 0
    for doc in prepared:
        for unit in doc.units:
            df.update(set(sentence_features(unit.text, *context_texts(doc.units, unit))))
            total += 1
    words = sorted(w for w, n in df.items() if n >= MIN_UNIT_COUNT)
    idf = np.array([math.log((1 + total) / (1 + df[w])) + 1 for w in words], dtype=np.float32)
    return {w: i for i, w in enumerate(words)}, idf


def fit(prepared: Sequence[Prepared], categories: Sequence[str], seed: int) -> ClauseModel:
    """One linear classifier per category on the sentences of `prepared`; every category decided by rules."""
    vocabulary, idf = _vocabulary(prepared)
    model = ClauseModel(
        vocabulary=vocabulary,
        idf=idf,
        weights=sparse.csr_matrix((len(idf), len(categories)), dtype=np.float32),
        bias=np.zeros(len(categories), dtype=np.float32),
        categories=tuple(categories),
        decisions={},
    )
    x = sparse.vstack([model.matrix(doc.units) for doc in prepared], format="csr")
    source = [prepared[0].categories.index(c) for c in categories]
    labels = np.vstack([doc.labels for doc in prepared])[:, source]
    known = np.vstack([doc.known for doc in prepared])[:, source]
    columns = np.zeros((len(idf), len(categories)), dtype=np.float32)
    for column in range(len(categories)):
        y = labels[:, column]
        if y.sum() < 2:
            model.bias[column] = -10.0
            continue
        keep = known[:, column]
        classifier = LinearSVC(C=REGULARISATION, class_weight="balanced", random_state=seed)
        classifier.fit(x[keep], y[keep])
        columns[:, column] = classifier.coef_[0]
        model.bias[column] = classifier.intercept_[0]
    columns[np.abs(columns) < PRUNE_BELOW] = 0.0
    model.weights = sparse.csr_matrix(columns)
    return model


def document_scores(model: ClauseModel, prepared: Sequence[Prepared]) -> np.ndarray:
    """(contracts, categories): each contract's best sentence score."""
    out = np.full((len(prepared), len(model.categories)), -np.inf)
    for row, doc in enumerate(prepared):
        if doc.units:
            out[row] = model.scores(doc.units).max(axis=0)
    return out


def fold_of(ids: Sequence[str], k: int, seed: int) -> list[int]:
    """A fixed, shuffled assignment of contracts to k folds."""
    order = np.random.RandomState(seed).permutation(len(ids))
    folds = [0] * len(ids)
    for position, index in enumerate(order):
        folds[index] = position % k
    return folds


def _f1(predicted: np.ndarray, truth: np.ndarray) -> float:
    tp = int((predicted & truth).sum())
    fp = int((predicted & ~truth).sum())
    fn = int((~predicted & truth).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0


def choose(
    scores: np.ndarray, by_rules: np.ndarray, truth: np.ndarray, modes: Sequence[Mode] = MODES
) -> Decision:
    """The mode and threshold with the best F1 on out-of-fold scores; `rules` unless another beats it clearly."""
    rules_f1 = _f1(by_rules, truth)
    best, best_f1 = Decision("rules"), rules_f1 + MIN_GAIN
    for mode in modes:
        if mode == "rules":
            continue
        results = [
            (
                _f1(
                    np.array([present(mode, r, s >= t) for r, s in zip(by_rules, scores, strict=True)]), truth
                ),
                t,
            )
            for t in THRESHOLDS
        ]
        top = max(f for f, _ in results)
        if top >= best_f1 + 1e-9:
            winners = [t for f, t in results if f >= top - 1e-9]
            best, best_f1 = Decision(mode, winners[len(winners) // 2]), top
    return best


def train(prepared: Sequence[Prepared], seed: int = 0) -> ClauseModel:
    """The classifiers on all of `prepared`, with decisions chosen from inner-fold (out-of-fold) scores."""
    categories = categories_of([doc.contract for doc in prepared])
    folds = fold_of([doc.contract.id for doc in prepared], INNER_FOLDS, seed)
    scores = np.zeros((len(prepared), len(categories)))
    for k in range(INNER_FOLDS):
        inside = [doc for doc, f in zip(prepared, folds, strict=True) if f != k]
        held = [i for i, f in enumerate(folds) if f == k]
        scores[held] = document_scores(fit(inside, categories, seed), [prepared[i] for i in held])
    model = fit(prepared, categories, seed)
    for column, category in enumerate(categories):
        by_rules = np.array([category in doc.rule_types for doc in prepared])
        truth = np.array([doc.contract.present.get(category, False) for doc in prepared])
        modes = ALLOWED_MODES.get(category, MODES)
        model.decisions[category] = choose(scores[:, column], by_rules, truth, modes)
    _keep_learned(model)
    model.meta = {"seed": seed, "contracts": len(prepared), "sentences": sum(len(d.units) for d in prepared)}
    return model


def _keep_learned(model: ClauseModel) -> None:
    """Drop the columns of categories left to the rules: the file carries only what is used."""
    keep = [i for i, c in enumerate(model.categories) if model.decisions[c].mode != "rules"]
    model.weights = sparse.csr_matrix(model.weights[:, keep])
    model.bias = model.bias[keep]
    model.categories = tuple(model.categories[i] for i in keep)
    model.decisions = {c: model.decisions[c] for c in model.categories}
