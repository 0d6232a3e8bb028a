"""Dates written in contracts ("June 1, 2020", "1st day of June, 2020", "6/1/2020", "2020-06-01") and the
effective date a contract states."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_NAMES = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
DATE = re.compile(
    "|".join(
        [
            rf"(?P<ma>{_MONTH_NAMES})\.? (?P<da>\d{{1,2}})(?:st|nd|rd|th)?,? ?(?P<ya>(?:19|20)\d\d)",
            rf"(?P<db>\d{{1,2}})(?:st|nd|rd|th)? (?:day )?(?:of )?(?P<mb>{_MONTH_NAMES})\.?,? (?:in the year )?(?P<yb>(?:19|20)\d\d)",
            r"(?P<mc>\d{1,2})/(?P<dc>\d{1,2})/(?P<yc>(?:19|20)\d\d)",
            r"(?P<yd>(?:19|20)\d\d)-(?P<md>\d\d)-(?P<dd>\d\d)",
        ]
    ).replace(" ", r"\s*"),
    re.IGNORECASE,
)


def date_from(match: re.Match[str]) -> date | None:
    """The date a match of DATE spells, or None for an impossible one ("February 30")."""
    g = match.groupdict()
    try:
        for m, d, y in (("ma", "da", "ya"), ("mb", "db", "yb"), ("mc", "dc", "yc"), ("md", "dd", "yd")):
            if g.get(y):
                month = _MONTHS[g[m].lower()] if g[m].isalpha() else int(g[m])
                return date(int(g[y]), month, int(g[d]))
    except (ValueError, KeyError):
        return None
    return None


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_LONGEST_BEFORE_YEAR = 40  # "September 30th, " or "1st day of September, in the year "


def dates_in(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[re.Match[str], date]]:
    """Every valid date written in text[start:end], with its match.

    Every form ends or starts with its year, so DATE runs only in a short window before each year: scanning the whole
    text with DATE is several times slower."""
    stop = len(text) if end is None else end
    done = start
    for year in _YEAR.finditer(text, start, stop):
        window_end = min(stop, year.end() + 6)  # ISO dates start with the year: "2021-07-09"
        for match in DATE.finditer(text, max(done, year.start() - _LONGEST_BEFORE_YEAR), window_end):
            if match.start() <= year.start() and match.end() >= year.end():
                found = date_from(match)
                if found is not None:
                    done = match.end()
                    yield match, found
                break


def parse_date(text: str) -> date | None:
    """The first date written in `text` ("June 1, 2020", "1st day of June, 2020", "6/1/2020"), as a date."""
    return next((found for _, found in dates_in(text)), None)


# A date within 80 characters after one of these is the date the contract takes effect.
_EFFECTIVE_CUES = re.compile(
    r"effective (?:as of|on|date|from)|dated (?:as of )?|made (?:and entered into )?(?:as of|on|this)"
    r"|entered into (?:as of|on|this|effective)|\bas of|\bthis \d|\bdate:|\beffective:?".replace(" ", r"\s+"),
    re.IGNORECASE,
)
_EFFECTIVE_DEFINED = re.compile(
    r"[\"“]?effective\s+date[\"”]?\s*(?:\)|shall\s+mean|means|is|of|:)", re.IGNORECASE
)
# Cover-term labels ("Effective Date" or "Start Date" with the date on the same or the next line) and filled
# forms ("begins on: 1 September 2025"), which may stand anywhere in the document.
_LABEL = re.compile(
    r"^[ \t]*(?P<label>effective date|start date|commencement date|date of (?:this )?(?:agreement|note)"
    r"|(?:the tenancy |this agreement )?(?:begins|commences|starts) on)[ \t]*:?\s*",
    re.IGNORECASE | re.MULTILINE,
)


def _labelled(text: str) -> dict[str, date]:
    """The first date under an effective-date label and under a start-date label ("start", "begins on")."""
    labelled: dict[str, date] = {}
    for match in _LABEL.finditer(text):
        dated = DATE.match(text, match.end())
        found = date_from(dated) if dated else None
        if found is not None:
            kind = "effective" if match.group("label").lower().startswith("effective") else "start"
            labelled.setdefault(kind, found)
    return labelled


# A term that starts on a stated day, in a sentence: "The lease term begins on March 1, 2025".
_TERM_BEGINS = re.compile(
    r"\b(?:term|tenancy|lease|employment)\b[^.;\n]{0,40}?\b(?:begins|commences|starts|shall\s+(?:begin|commence|start))"
    r"\s+on\s+",
    re.IGNORECASE,
)

# "executed this 14th day of October, 2024, but effective … on the Effective Date": a signing date, not the start.
_NOT_EFFECTIVE_AFTER = re.compile(r"[^.;]{0,20}?\bbut\s+effective\b", re.IGNORECASE)


def effective_date(text: str, head_chars: int = 5000) -> date | None:
    """The effective or agreement date: an "Effective Date" or start-date label near the top, else a date after
    a cue in the preamble or a defined Effective Date, else a start-date label anywhere, else the first date of
    the preamble that is not only a signing date."""
    head = text[:head_chars]
    labelled = _labelled(head)
    if labelled:
        return labelled.get("effective") or labelled["start"]
    begins = None if _EFFECTIVE_DEFINED.search(head) else _TERM_BEGINS.search(head)
    dated = DATE.match(head, begins.end()) if begins else None
    if dated is not None and (start := date_from(dated)) is not None:
        return start  # "The lease term begins on March 1, 2025": the start, not the day it was signed
    candidates = [(m, found) for m, found in dates_in(head) if not _NOT_EFFECTIVE_AFTER.match(head, m.end())]
    for match, found in candidates:
        before = head[max(0, match.start() - 80) : match.start()]
        if _EFFECTIVE_CUES.search(before) or _EFFECTIVE_DEFINED.search(head, match.end(), match.end() + 40):
            return found
    labelled = _labelled(text)
    if labelled:
        return labelled.get("effective") or labelled["start"]
    return next((found for match, found in candidates if match.start() < 1500), None)
