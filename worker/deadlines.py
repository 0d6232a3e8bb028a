"""Dates and notice periods a signer must keep: when the contract starts and ends, by when to give notice of
non-renewal or termination, when payments fall due; each with the verbatim text that fixes it."""

from __future__ import annotations

import re
from datetime import date

from common.analysis import Deadline, DeadlineKind
from worker.dates import DATE, date_from, dates_in

MAX_DEADLINES = 20
_QUOTE_LIMIT = 300

# Cover-term and form labels with the date on the same or the next line ("End Date\n\nAugust 15, 2025").
LABEL_KINDS: tuple[tuple[DeadlineKind, str], ...] = (
    ("other", r"offer\s+expiration\s+date|offer\s+expires?(?:\s+on)?"),
    ("effective", r"effective\s+date|start\s+date|commencement\s+date|(?:begins|commences|starts)\s+on"),
    ("term_end", r"end\s+date|expiration\s+date|expiry\s+date|termination\s+date|maturity\s+date|ends\s+on|expires\s+on"),
    ("payment", r"(?:payment\s+)?due\s+date|payment\s+date|first\s+payment\s+(?:date|due)"),
)  # fmt: skip
_LABEL = re.compile(
    r"^[ \t\-*•]*(?:"
    + "|".join(f"(?P<k{i}>{cue})" for i, (_, cue) in enumerate(LABEL_KINDS))
    + r")[ \t]*:?\s*",
    re.IGNORECASE | re.MULTILINE,
)
# A date inside a sentence, by the words just before it.
SENTENCE_KINDS: tuple[tuple[DeadlineKind, re.Pattern[str]], ...] = (
    (
        "payment",
        re.compile(r"(?:payments?|payable|paid|due)\b[^.;]{0,60}?(?:on|by|before)\s+(?:the\s+)?$", re.I),
    ),
    ("term_end", re.compile(r"(?:expires?|ends?|terminates?|until|through)\s+(?:on:?\s+|:\s*)?$", re.I)),
    (
        "effective",
        re.compile(r"(?:effective|commences?|begins?|starts?)\s*(?:as\s+of\s+|on:?\s+|from\s+|:\s*)?$", re.I),
    ),
    ("other", re.compile(r"\b(?:by|no\s+later\s+than|on\s+or\s+before)\s+$", re.I)),
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "fourteen": 14, "fifteen": 15, "twenty": 20, "twenty-one": 21, "twenty-eight": 28, "thirty": 30,
    "forty-five": 45, "sixty": 60, "ninety": 90, "a": 1, "an": 1,
}  # fmt: skip
_UNIT_DAYS = {"hour": 1 / 24, "day": 1, "week": 7, "month": 30, "year": 365}
# A notice period is given, or a cancellation made, some time before a date.
_NOTICE_WORDS = ("notice", "cancel")
_NOTICE = re.compile(
    r"(?P<num>\d{1,3}|"
    + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
    + r")\s*(?:\(\s*(?P<digits>\d{1,3})\s*\)\s*)?"
    r"(?:business\s+|calendar\s+)?(?P<unit>hour|day|week|month)s?['’]?\s+"
    r"(?:(?:prior\s+|advance\s+|advanced\s+)?(?:written\s+)?notice|prior|before|in\s+advance)"
)  # run on lower-cased text
NOTICE_KINDS: tuple[tuple[DeadlineKind, re.Pattern[str]], ...] = (
    ("renewal_notice", re.compile(r"renew", re.I)),
    (
        "termination_notice",
        re.compile(r"terminat|cancel|end\s+(?:this|the)|notice\s+to\s+quit|break|resign|quit", re.I),
    ),
)
# A defined term right after a date names what the date is: 'May 12, 2027 (the "Maturity Date")'.
DEFINED_KINDS: tuple[tuple[DeadlineKind, re.Pattern[str]], ...] = (
    ("term_end", re.compile(r"^\W{0,12}(?:the\s+)?[\"“](?:[\w-]+\s+)?(?:maturity|expiration|expiry|termination|end)\s+date", re.I)),
    ("effective", re.compile(r"^\W{0,12}(?:the\s+)?[\"“](?:effective|commencement|start)\s+date", re.I)),
)  # fmt: skip
_EXAMPLE = re.compile(r"\bexamples?\b|\bsay,|e\.g\.|for\s+instance", re.I)
_LOOKBACK = re.compile(r"(?:during|within|in)\s+(?:the\s+)?$", re.I)
_SENTENCE_END = re.compile(r"[.;!?](?=\s)|\n\s*\n")


def _sentence(page: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around [start, end), at most _QUOTE_LIMIT characters, as offsets into the page."""
    lo = max(0, start - _QUOTE_LIMIT // 2)
    ends = [m.end() for m in _SENTENCE_END.finditer(page, lo, start)]
    lo = ends[-1] if ends else lo
    stop = _SENTENCE_END.search(page, end, min(len(page), end + _QUOTE_LIMIT // 2))
    hi = stop.end() if stop else min(len(page), end + _QUOTE_LIMIT // 2)
    while lo < start and page[lo].isspace():
        lo += 1
    if lo > 0 and not page[lo - 1].isspace():
        space = page.find(" ", lo, start)
        lo = space + 1 if space >= 0 else lo
    if hi < len(page) and page[hi - 1].isalnum() and not page[hi].isspace():
        space = page.rfind(" ", end, hi)
        hi = space if space > end else hi
    return lo, hi


def _days(match: re.Match[str]) -> int | None:
    raw = match.group("digits") or match.group("num")
    number = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw)
    return max(1, round(number * _UNIT_DAYS[match.group("unit")])) if number else None


def _notice_periods(page: str) -> list[re.Match[str]]:
    """Durations before a notice ("30 days' written notice", "sixty (60) days prior"), looked for only near the
    words "notice" and "cancel" since a sentence without them holds no notice period. Offsets are the page's."""
    low = page.lower()
    if len(low) != len(page):  # a few characters lengthen when lower-cased: keep offsets exact
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in page)
    spans: list[tuple[int, int]] = []
    for word in _NOTICE_WORDS:
        at = low.find(word)
        while at >= 0:
            spans.append((max(0, at - 200), min(len(low), at + 200)))
            at = low.find(word, at + len(word))
    windows: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(hi, windows[-1][1]))
        else:
            windows.append((lo, hi))
    return [match for lo, hi in windows for match in _NOTICE.finditer(low, lo, hi)]


def find_deadlines(pages: list[str]) -> list[Deadline]:
    """Dated deadlines (labels, then sentences) and notice periods, in reading order per source, without repeats."""
    found: list[Deadline] = []
    seen: set[tuple[str, date | None, int | None]] = set()

    def add(kind: DeadlineKind, when: date | None, days: int | None, text: str) -> None:
        key = (kind, when, days)
        if key in seen or len(found) >= MAX_DEADLINES or not text:
            return
        seen.add(key)
        found.append(Deadline(kind=kind, date=when, days=days, text=text))

    for page in pages:
        for match in _LABEL.finditer(page):
            dated = DATE.match(page, match.end())
            when = date_from(dated) if dated else None
            if dated is None or when is None:
                continue
            index = next(i for i, value in enumerate(match.groups()) if value is not None)
            add(LABEL_KINDS[index][0], when, None, page[match.start() : dated.end()].strip())
        for match, when in dates_in(page):
            before = page[max(0, match.start() - 80) : match.start()]
            if _EXAMPLE.search(page, max(0, match.start() - 400), match.start()):
                continue
            defined = next(
                (k for k, cue in DEFINED_KINDS if cue.search(page[match.end() : match.end() + 60])), None
            )
            if defined is not None:
                lo, hi = _sentence(page, match.start(), match.end())
                add(defined, when, None, page[lo:hi].strip())
                continue
            for kind, cue in SENTENCE_KINDS:
                if cue.search(before):
                    lo, hi = _sentence(page, match.start(), match.end())
                    add(kind, when, None, page[lo:hi].strip())
                    break
        for match in _notice_periods(page):
            lo, hi = _sentence(page, match.start(), match.end())
            sentence = page[lo:hi]
            if not any(word in sentence.lower() for word in _NOTICE_WORDS) or _LOOKBACK.search(
                page, max(0, match.start() - 20), match.start()
            ):
                continue
            if _EXAMPLE.search(sentence):
                continue
            kinds = [k for k, cue in NOTICE_KINDS if cue.search(sentence)]
            days = _days(match)
            if kinds and days:
                add(kinds[0], None, days, sentence.strip())
    return found
