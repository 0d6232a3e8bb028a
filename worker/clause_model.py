"""The learned half of clause detection: a linear sentence classifier per CUAD category, and how it joins the rules.

The model file (`clause_model.npz`, built by `scripts/train_clause_model.py` from cuad-dev's lawyer-labelled spans)
holds a vocabulary with its idf weights, one weight column per category, and a decision per category: whether the
category is decided by the rules alone, by the model alone, by either or by both, with the model's threshold. A
sentence's features are its words and word pairs, the words of the sentence before it (`p:`) and the words of the
nearest heading above it (`h:`); the model's score for a document is its best sentence's score, and that sentence
is the quote. Everything here is plain arithmetic on numpy/scipy: no network, no pickle.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol, get_args

import numpy as np
from scipy import sparse

MODEL_PATH = Path(__file__).with_name("clause_model.npz")

Mode = Literal["rules", "model", "either", "both"]
MODES: tuple[Mode, ...] = get_args(Mode)

_TOKEN = re.compile(r"[a-z]+|\d+")
_HEADING_MAX = 60
_HEADING_WORD = re.compile(r"[A-Za-z]{4}")


class Sentences(Protocol):
    """A page split into sentences (worker.offline_analyzer.Page)."""

    text: str
    starts: list[int]

    def span(self, index: int) -> tuple[int, int]: ...


@dataclass(frozen=True)
class Unit:
    """One sentence: where it is, its text, and which sentences give its context (indices into the same list)."""

    page: int  # index into the pages given
    start: int
    end: int
    text: str
    previous: int  # -1: none
    heading: int  # -1: none


def words_of(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def sentence_features(text: str, previous: str, heading: str) -> list[str]:
    """Words and word pairs of the sentence, the words of the one before it and of the nearest heading above it."""
    words = words_of(text)
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(words)]
    before = ["p:" + w for w in words_of(previous)]
    above = ["h:" + w for w in words_of(heading)]
    return [*words, *pairs, *before, *above]


def units(pages: Sequence[Sentences]) -> list[Unit]:
    """Every non-empty sentence of the pages in reading order, with its context carried over page breaks."""
    out: list[Unit] = []
    heading = -1
    for number, page in enumerate(pages):
        for index in range(len(page.starts)):
            start, end = page.span(index)
            if end <= start:
                continue
            text = page.text[start:end]
            out.append(Unit(number, start, end, text, len(out) - 1, heading))
            if end - start < _HEADING_MAX and _HEADING_WORD.search(text):
                heading = len(out) - 1
    return out


def context_texts(found: Sequence[Unit], unit: Unit) -> tuple[str, str]:
    previous = found[unit.previous].text if unit.previous >= 0 else ""
    heading = found[unit.heading].text if unit.heading >= 0 else ""
    return previous, heading


@dataclass(frozen=True)
class Decision:
    """How one category is decided: `rules` alone, the `model` alone, `either` or `both`, and the model's bar."""

    mode: Mode
    threshold: float = 0.0


@dataclass
class ClauseModel:
    vocabulary: dict[str, int]
    idf: np.ndarray  # (features,) float32
    weights: sparse.csr_matrix  # (features, categories); stored by column, multiplied by row
    bias: np.ndarray  # (categories,)
    categories: tuple[str, ...]
    decisions: dict[str, Decision]
    meta: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every word that is a feature on its own or in context, and for each: its own id, its "p:" id, its "h:" id.
        words = sorted(
            {
                f[2:] if f[:2] in ("p:", "h:") else f
                for f in self.vocabulary
                if " " not in f or f[:2] in ("p:", "h:")
            }
        )
        self._word = {w: i for i, w in enumerate(words)}
        self._ids = np.array(
            [[self.vocabulary.get(prefix + w, -1) for prefix in ("", "p:", "h:")] for w in words],
            dtype=np.int64,
        ).reshape(-1, 3)

    def matrix(self, found: Sequence[Unit]) -> sparse.csr_matrix:
        """Binary features weighted by idf and scaled to unit length, one row per sentence (`sentence_features`).

        Built for all sentences at once: each word and word pair is looked up once, and the context features are
        the word rows of the previous and heading sentences, gathered with a sparse selection matrix.
        """
        count = len(found)
        per_unit = [words_of(unit.text) for unit in found]
        lengths = np.fromiter(map(len, per_unit), dtype=np.int64, count=count)
        tokens = list(itertools.chain.from_iterable(per_unit))
        unit_of = np.repeat(np.arange(count, dtype=np.int64), lengths)
        word = np.fromiter(
            map(self._word.get, tokens, itertools.repeat(-1)), dtype=np.int64, count=len(tokens)
        )
        pair = np.fromiter(
            map(self.vocabulary.get, map(" ".join, itertools.pairwise(tokens)), itertools.repeat(-1)),
            dtype=np.int64,
            count=max(len(tokens) - 1, 0),
        )
        same_unit = unit_of[:-1] == unit_of[1:]

        known = word >= 0
        words = sparse.csr_matrix(
            (np.ones(int(known.sum()), dtype=np.float32), (unit_of[known], word[known])),
            shape=(count, len(self._ids)),
        )
        rows = [unit_of[known], unit_of[:-1][same_unit]]
        cols = [self._ids[word[known], 0], pair[same_unit]]
        for column, context in ((1, [u.previous for u in found]), (2, [u.heading for u in found])):
            source = np.asarray(context, dtype=np.int64)
            has = source >= 0
            pick = sparse.csr_matrix(
                (np.ones(int(has.sum()), dtype=np.float32), (np.flatnonzero(has), source[has])),
                shape=(count, count),
            )
            gathered = (pick @ words).tocoo()
            rows.append(gathered.row.astype(np.int64))
            cols.append(self._ids[gathered.col, column])
        row = np.concatenate(rows)
        col = np.concatenate(cols)
        keep = col >= 0
        binary = sparse.csr_matrix(
            (np.ones(int(keep.sum()), dtype=np.float32), (row[keep], col[keep])), shape=(count, len(self.idf))
        )
        binary.sum_duplicates()
        return self._normalised(binary.indices, binary.indptr)

    def _normalised(self, cols: np.ndarray, indptr: np.ndarray) -> sparse.csr_matrix:
        data = self.idf[cols]
        matrix = sparse.csr_matrix((data, cols, indptr), shape=(len(indptr) - 1, len(self.idf)))
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)

    def scores(self, found: Sequence[Unit]) -> np.ndarray:
        """(sentences, categories) decision values; above a category's threshold means "this is that clause"."""
        if not found:
            return np.zeros((0, len(self.categories)), dtype=np.float32)
        product = self.matrix(found) @ self.weights
        return np.asarray(product.todense() if sparse.issparse(product) else product) + self.bias

    @classmethod
    def rules_only(cls) -> ClauseModel:
        """A model that decides nothing: the analyzer's rules alone (for comparisons)."""
        return cls({}, np.zeros(0, dtype=np.float32), sparse.csr_matrix((0, 0)), np.zeros(0), (), {})

    def save(self, path: Path) -> None:
        words = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        meta = {
            **self.meta,
            "categories": list(self.categories),
            "decisions": {c: [d.mode, round(d.threshold, 4)] for c, d in self.decisions.items()},
        }
        weights = sparse.csc_matrix(self.weights)
        with path.open("wb") as out:
            np.savez_compressed(
                out,
                vocabulary=np.frombuffer("\n".join(words).encode(), dtype=np.uint8),
                idf=self.idf.astype(np.float16),
                w_data=weights.data.astype(np.float16),
                w_indices=weights.indices.astype(np.int32),
                w_indptr=weights.indptr.astype(np.int32),
                bias=self.bias.astype(np.float32),
                meta=np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8),
            )

    @classmethod
    def load(cls, path: Path) -> ClauseModel:
        with np.load(path, allow_pickle=False) as data:
            words = data["vocabulary"].tobytes().decode().split("\n")
            meta = json.loads(data["meta"].tobytes().decode())
            categories = tuple(meta.pop("categories"))
            weights = sparse.csr_matrix(
                sparse.csc_matrix(
                    (data["w_data"].astype(np.float32), data["w_indices"], data["w_indptr"]),
                    shape=(len(words), len(categories)),
                )
            )
            decisions = {c: Decision(mode, float(t)) for c, (mode, t) in meta.pop("decisions").items()}
            return cls(
                vocabulary={w: i for i, w in enumerate(words)},
                idf=data["idf"].astype(np.float32),
                weights=weights,
                bias=data["bias"].astype(np.float32),
                categories=categories,
                decisions=decisions,
                meta=meta,
            )


@lru_cache(maxsize=1)
def packaged_model() -> ClauseModel:
    """The model shipped in the repository, read once per process."""
    return ClauseModel.load(MODEL_PATH)


@dataclass
class Verdict:
    """What the model changes in the rules' findings: categories to add (with their best sentence) and to drop."""

    add: dict[str, Unit] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)


def present(mode: Mode, by_rules: bool, by_model: bool) -> bool:
    if mode == "rules":
        return by_rules
    if mode == "model":
        return by_model
    if mode == "either":
        return by_rules or by_model
    return by_rules and by_model


def judge(model: ClauseModel, pages: Sequence[Sentences], rule_types: set[str]) -> Verdict:
    """Combine the rules' categories with the model's, category by category as the model file decides."""
    verdict = Verdict()
    learned = [c for c in model.categories if model.decisions.get(c, Decision("rules")).mode != "rules"]
    if not learned:
        return verdict
    found = units(pages)
    if not found:
        return verdict
    scores = model.scores(found)
    for column, category in enumerate(model.categories):
        decision = model.decisions.get(category, Decision("rules"))
        if decision.mode == "rules":
            continue
        best = int(np.argmax(scores[:, column]))
        by_model = bool(scores[best, column] >= decision.threshold)
        by_rules = category in rule_types
        if present(decision.mode, by_rules, by_model):
            if not by_rules:
                verdict.add[category] = found[best]
        elif by_rules:
            verdict.drop.add(category)
    return verdict
