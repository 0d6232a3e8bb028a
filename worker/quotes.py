"""Checking that an analyzer's quotes really are in the document.

Matching ignores whitespace entirely: extraction hard-wraps lines, doubles spaces and sometimes drops the space
at a line break, so a quote copied from one extraction must still be found in another. Every other character,
case and punctuation included, must match exactly.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from common.analysis import Analysis, Clause, Findings

_WHITESPACE = re.compile(r"\s+")


def squash(text: str) -> str:
    """The text without any whitespace: what quotes are compared by."""
    return _WHITESPACE.sub("", text)


class QuoteIndex:
    """The document's pages without whitespace, built once and searched for many quotes."""

    def __init__(self, pages: Sequence[str]) -> None:
        self._pages = [squash(page) for page in pages]
        self._joined = "".join(self._pages)
        self._starts: list[int] = []
        offset = 0
        for page in self._pages:
            self._starts.append(offset)
            offset += len(page)

    def locate(self, quote: str) -> int | None:
        """The 1-based page where the quote starts; a quote running over a page break counts for its first page."""
        needle = squash(quote)
        if not needle:
            return None
        for number, page in enumerate(self._pages, start=1):
            if needle in page:
                return number
        at = self._joined.find(needle)
        if at < 0:
            return None
        return bisect_right(self._starts, at)


def locate_quote(quote: str, pages: Sequence[str]) -> int | None:
    """The 1-based page where `quote` occurs, ignoring whitespace; None when it is not in the document."""
    return QuoteIndex(pages).locate(quote)


def verify_clauses(analysis: Analysis, pages: Sequence[str]) -> tuple[Analysis, int]:
    """Drop the clauses whose text is not in the document and set each kept clause's page from the text.

    Returns a copy of the analysis and how many clauses were dropped.
    """
    index = QuoteIndex(pages)
    kept: list[Clause] = []
    for clause in analysis.clauses:
        page = index.locate(clause.text)
        if page is None:
            continue
        kept.append(clause if clause.page == page else clause.model_copy(update={"page": page}))
    dropped = len(analysis.clauses) - len(kept)
    return analysis.model_copy(update={"clauses": kept}), dropped


def verify_quotes(analysis: Analysis, pages: Sequence[str]) -> tuple[Analysis, int]:
    """Every quote checked once: clauses (paged), risk quotes, money and deadline texts; the unfound dropped.

    Returns a copy of the analysis and how many items were dropped.
    """
    index = QuoteIndex(pages)
    checked, dropped = verify_clauses(analysis, pages)
    findings = analysis.findings or Findings()
    risks = [r for r in findings.risks if r.quote is None or index.locate(r.quote) is not None]
    money = [m for m in analysis.money if index.locate(m.text) is not None]
    deadlines = [d for d in analysis.deadlines if index.locate(d.text) is not None]
    dropped += len(findings.risks) - len(risks) + len(analysis.money) - len(money)
    dropped += len(analysis.deadlines) - len(deadlines)
    update = {
        "findings": findings.model_copy(update={"risks": risks}),
        "money": money,
        "deadlines": deadlines,
    }
    return checked.model_copy(update=update), dropped


MAX_QUOTE = 600  # characters: a quote long enough to read the clause, short enough to read at all


def quote_window(text: str, start: int, end: int, hit_start: int, hit_end: int) -> tuple[int, int]:
    """The sentence `text[start:end]`, trimmed when long to a window of at most MAX_QUOTE characters around
    the hit `text[hit_start:hit_end]`, on word boundaries: still a verbatim slice of the page."""
    if end - start <= MAX_QUOTE:
        return start, end
    lo = max(start, min(hit_start - 150, hit_end - MAX_QUOTE + 50))
    if lo > start:
        space = text.find(" ", lo, lo + 40)
        lo = space + 1 if space >= 0 else lo
    hi = min(end, lo + MAX_QUOTE)
    if hi < end:
        space = text.rfind(" ", hi - 60, hi)
        hi = space if space > lo else hi
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    return lo, hi
