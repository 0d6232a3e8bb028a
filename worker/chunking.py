"""Splitting a long contract into pieces that fit a model's token budget, at section boundaries where possible.

Token counts come from tiktoken's `o200k_base` encoding (the gpt-4o family's). tiktoken downloads that
encoding's file on first use; where that cannot happen (no network, as in the tests and some sandboxes) the
count falls back to an estimate of one token per four characters, rounded up — the usual rule of thumb for
English text, and on the high side for legal prose, so chunks built from it err on the small side.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import threading
from collections.abc import Callable
from functools import lru_cache

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4
ENCODING_NAME = "o200k_base"
_LOAD_TIMEOUT_SECONDS = 10.0

# Where a contract may be cut, from the best place to the worst. A piece starts where the pattern's group
# `at` matched, or where the whole match starts when that group took no part.
_SECTION = re.compile(
    r"""
    (?:^|(?<=\n))[ \t]*(?:ARTICLE|Article|SECTION|Section|SCHEDULE|Schedule|EXHIBIT|Exhibit)\s+[\dIVXLC]+\b
    | (?:^|(?<=\n))[ \t]*\d{1,3}(?:\.\d{1,3})*\.?[ \t]+[A-Z]          # "12.3 Term" at a line start
    | (?:^|(?<=\n))[ \t]*[A-Z][A-Z0-9 ,;&'()-]{3,80}[ \t]*(?=\n)      # an ALL CAPS heading line
    | [.:;]\s+(?P<at>)\d{1,3}(?:\.\d{1,3})*\.\ [A-Z][\w ,;&'()-]{0,80}\.  # "follows: 3. Term. The" inline
    """,
    re.VERBOSE,
)
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*(?P<at>)(?=\S)")
_LINE = re.compile(r"(?<=\n)(?=\S)")
_SENTENCE = re.compile(r"[.;:!?]\s+(?P<at>)(?=\S)")
_WORD = re.compile(r"(?<=\s)(?=\S)")
_CUT_LEVELS = (_SECTION, _PARAGRAPH, _LINE, _SENTENCE, _WORD)

TokenCounter = Callable[[str], int]


def estimate_tokens(text: str) -> int:
    """The fallback count: one token per four characters, rounded up."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@lru_cache(maxsize=1)
def _tiktoken_counter() -> TokenCounter | None:
    """tiktoken's counter, or None when its encoding cannot be loaded.

    The download runs on a daemon thread with a deadline: tiktoken fetches without a timeout, and a network
    that drops packets must not hang a worker.
    """
    loaded: list[TokenCounter] = []

    def load() -> None:
        try:
            import tiktoken

            encoding = tiktoken.get_encoding(ENCODING_NAME)
            loaded.append(lambda text: len(encoding.encode(text, disallowed_special=())))
        except Exception as exc:  # network, hash mismatch, missing package: all mean "estimate instead"
            log.warning("tiktoken unavailable (%s); estimating tokens as ceil(chars/4)", type(exc).__name__)

    thread = threading.Thread(target=load, name="tiktoken-load", daemon=True)
    thread.start()
    thread.join(_LOAD_TIMEOUT_SECONDS)
    return loaded[0] if loaded else None


def count_tokens(text: str) -> int:
    """Tokens in `text` by tiktoken where it works, else by `estimate_tokens`."""
    counter = _tiktoken_counter()
    return counter(text) if counter else estimate_tokens(text)


def _start(match: re.Match[str]) -> int:
    at = match.start("at") if "at" in match.re.groupindex else -1
    return at if at >= 0 else match.start()


def _cut(text: str, pattern: re.Pattern[str]) -> list[str]:
    """`text` cut just before every match of `pattern`; the pieces join back to `text`."""
    starts = sorted({_start(m) for m in pattern.finditer(text)} - {0})
    bounds = [0, *starts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def _pieces(text: str, budget: int, count: TokenCounter, level: int = 0) -> list[tuple[str, int]]:
    """`text` as pieces of at most `budget` tokens each, cut at the best boundary available."""
    size = count(text)
    if size <= budget:
        return [(text, size)]
    if level >= len(_CUT_LEVELS):
        middle = len(text) // 2  # no boundary left (one enormous "word"): halve it
        return _pieces(text[:middle], budget, count, level) + _pieces(text[middle:], budget, count, level)
    parts = _cut(text, _CUT_LEVELS[level])
    if len(parts) == 1:
        return _pieces(text, budget, count, level + 1)
    return [piece for part in parts for piece in _pieces(part, budget, count, level + 1)]


def chunk_text(text: str, budget: int, count: TokenCounter = count_tokens) -> list[str]:
    """Split `text` into consecutive chunks of at most about `budget` tokens each.

    Cuts fall between sections where possible, else between paragraphs, lines, sentences, words. Chunks are
    exact slices: `"".join(chunk_text(t, b)) == t`. A chunk's count is the sum of its pieces' counts, which
    is close to (and for tiktoken, slightly above) the count of the whole.
    """
    if budget < 1:
        raise ValueError("budget must be at least one token")
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for piece, size in _pieces(text, budget, count) if text else []:
        if current and used + size > budget:
            chunks.append("".join(current))
            current, used = [], 0
        current.append(piece)
        used += size
    if current:
        chunks.append("".join(current))
    return chunks
